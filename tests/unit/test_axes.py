from datetime import date

import pytest

from services.assessment.domain import (
    AgencyPolicy,
    CompetencyScore,
    job_person_match,
    performance_level,
    potential_level,
    rating_from_judgements,
    valid_until,
)
from shared.events.vocabulary import Expectation as E
from shared.events.vocabulary import PerformanceLevel as Perf
from shared.events.vocabulary import PotentialLevel as Pot
from shared.events.vocabulary import Rating as R


@pytest.mark.parametrize(
    ("hasil", "perilaku", "rating"),
    [
        (E.ABOVE, E.BELOW, R.KURANG), (E.ABOVE, E.MEETS, R.BAIK), (E.ABOVE, E.ABOVE, R.SANGAT_BAIK),
        (E.MEETS, E.BELOW, R.KURANG), (E.MEETS, E.MEETS, R.BAIK), (E.MEETS, E.ABOVE, R.BAIK),
        (E.BELOW, E.BELOW, R.SANGAT_KURANG), (E.BELOW, E.MEETS, R.BUTUH_PERBAIKAN),
        (E.BELOW, E.ABOVE, R.BUTUH_PERBAIKAN),
    ],
)
def test_rating_matrix_all_nine_cells(hasil: E, perilaku: E, rating: R) -> None:
    assert rating_from_judgements(hasil, perilaku) is rating


def test_no_rating_is_not_mappable() -> None:
    assert performance_level({}) is None


def test_one_year_alone() -> None:
    result = performance_level({2025: R.SANGAT_BAIK})
    assert result is not None and result.level is Perf.DI_ATAS_EKSPEKTASI and result.years_considered == [2025]


@pytest.mark.parametrize(
    ("ratings", "level", "average"),
    [
        ({2024: R.SANGAT_BAIK, 2025: R.BAIK}, Perf.DI_ATAS_EKSPEKTASI, 4.5),  # exactly 4.5 → above
        ({2024: R.BAIK, 2025: R.BUTUH_PERBAIKAN}, Perf.SESUAI_EKSPEKTASI, 3.5),  # exactly 3.5 → meets
        ({2024: R.BUTUH_PERBAIKAN, 2025: R.KURANG}, Perf.DI_BAWAH_EKSPEKTASI, 2.5),
        ({2023: R.SANGAT_KURANG, 2024: R.BAIK, 2025: R.BAIK}, Perf.SESUAI_EKSPEKTASI, 4.0),  # only the last two
    ],
)
def test_two_year_average_boundaries(ratings: dict[int, R], level: Perf, average: float) -> None:
    result = performance_level(ratings)
    assert result is not None and result.level is level and result.average_score == average


def test_a_missing_year_in_the_window_leaves_the_latest_alone() -> None:
    result = performance_level({2023: R.SANGAT_KURANG, 2025: R.SANGAT_BAIK})
    assert result is not None and result.years_considered == [2025] and result.level is Perf.DI_ATAS_EKSPEKTASI


def test_jpm_caps_each_competency_at_its_requirement() -> None:
    scores = [CompetencyScore("Integritas", 3, 5), CompetencyScore("Kerjasama", 4, 2)]
    assert job_person_match(scores) == pytest.approx(100 * (3 + 2) / 7, abs=0.01)


def test_jpm_of_a_perfect_match_is_100() -> None:
    assert job_person_match([CompetencyScore("a", 3, 3), CompetencyScore("b", 2, 4)]) == 100.0


@pytest.mark.parametrize(
    ("jpm", "level"),
    [(100, Pot.TINGGI), (90, Pot.TINGGI), (89.99, Pot.MENENGAH), (78, Pot.MENENGAH), (77.99, Pot.RENDAH), (0, Pot.RENDAH)],
)
def test_potential_thresholds_default(jpm: float, level: Pot) -> None:
    assert potential_level(jpm) is level


def test_potential_thresholds_follow_the_agency_policy() -> None:
    policy = AgencyPolicy(version="kab-x-2", potential_high=80, potential_medium=68)
    assert potential_level(80, policy) is Pot.TINGGI
    assert potential_level(79.9, policy) is Pot.MENENGAH
    assert potential_level(67.9, policy) is Pot.RENDAH


def test_validity_is_three_years_and_handles_leap_day() -> None:
    assert valid_until(date(2026, 3, 1)) == date(2029, 3, 1)
    assert valid_until(date(2024, 2, 29)) == date(2027, 2, 28)
