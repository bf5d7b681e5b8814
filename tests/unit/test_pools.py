from datetime import date

import pytest

from services.succession.domain import PenaltyRecord, screened_out

AS_OF = date(2026, 11, 29)


@pytest.mark.parametrize(
    ("penalty", "excluded"),
    [
        (PenaltyRecord("ringan", date(2026, 1, 1), None), False),  # a light penalty never screens out
        (PenaltyRecord("sedang", date(2026, 1, 1), date(2026, 6, 30)), True),  # received within two years
        (PenaltyRecord("berat", date(2020, 1, 1), None), True),  # still being served
        (PenaltyRecord("berat", date(2020, 1, 1), date(2024, 11, 29)), True),  # served until exactly 2 years ago
        (PenaltyRecord("berat", date(2020, 1, 1), date(2024, 11, 28)), False),  # over more than 2 years ago
        (PenaltyRecord("sedang", date(2027, 1, 1), None), False),  # not yet in force
    ],
)
def test_medium_or_severe_penalties_of_the_last_two_years_screen_out(penalty: PenaltyRecord, excluded: bool) -> None:
    reason = screened_out([penalty], as_of=AS_OF)
    assert (reason is not None) == excluded
    if reason:
        assert penalty.level in reason and "last 2 years" in reason


def test_no_penalties_no_reason() -> None:
    assert screened_out([], as_of=AS_OF) is None
