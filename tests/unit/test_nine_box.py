from datetime import date

import pytest

from services.succession.domain import NINE_BOX, Axes, box_for, place
from shared.events.vocabulary import PerformanceLevel as Perf
from shared.events.vocabulary import PotentialLevel as Pot

# PermenPANRB 3/2020, written out as the regulation's table (rows kinerja, columns potensial).
TABLE = {
    Perf.DI_ATAS_EKSPEKTASI: (4, 7, 9),
    Perf.SESUAI_EKSPEKTASI: (2, 5, 8),
    Perf.DI_BAWAH_EKSPEKTASI: (1, 3, 6),
}


@pytest.mark.parametrize("performance", list(Perf))
@pytest.mark.parametrize("column", range(3))
def test_every_cell_of_the_regulation_table(performance: Perf, column: int) -> None:
    potential = (Pot.RENDAH, Pot.MENENGAH, Pot.TINGGI)[column]
    assert box_for(performance, potential) == TABLE[performance][column]


def test_the_grid_has_nine_distinct_boxes() -> None:
    assert sorted(NINE_BOX.values()) == list(range(1, 10))


def test_placement_carries_reasons_and_the_box_recommendations() -> None:
    axes = Axes(Perf.DI_ATAS_EKSPEKTASI, 2025, Pot.TINGGI, 93.0, date(2028, 1, 1))
    placement = place(axes, as_of=date(2026, 1, 1))
    assert placement.box == 9
    assert any("di_atas_ekspektasi" in r for r in placement.reasons)
    assert any("JPM 93.0" in r for r in placement.reasons)
    assert "promote and retain" in placement.recommendations


@pytest.mark.parametrize(
    ("axes", "reason"),
    [
        (Axes(None, None, Pot.TINGGI, 95.0, date(2028, 1, 1)), "no SKP performance rating"),
        (Axes(Perf.SESUAI_EKSPEKTASI, 2025, None, None, None), "no competency assessment"),
        (Axes(Perf.SESUAI_EKSPEKTASI, 2025, Pot.TINGGI, 95.0, date(2025, 12, 31)), "expired on 2025-12-31"),
    ],
)
def test_unmapped_with_the_reason(axes: Axes, reason: str) -> None:
    placement = place(axes, as_of=date(2026, 1, 1))
    assert placement.box is None
    assert any(reason in r for r in placement.reasons)
    assert placement.recommendations == ()


def test_assessment_valid_on_its_last_day() -> None:
    axes = Axes(Perf.SESUAI_EKSPEKTASI, 2025, Pot.MENENGAH, 80.0, date(2026, 1, 1))
    assert place(axes, as_of=date(2026, 1, 1)).box == 5


def test_both_axes_missing_lists_both_reasons() -> None:
    assert len(place(Axes(), as_of=date(2026, 1, 1)).reasons) == 2
