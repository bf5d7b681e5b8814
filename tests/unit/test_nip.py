from datetime import date

import pytest

from shared.nip import InvalidNip, nip_disagreements, parse_nip

TODAY = date(2026, 11, 29)


def test_parses_the_documented_example() -> None:
    nip = parse_nip("198609262015051001", today=TODAY)
    assert nip.birth_date == date(1986, 9, 26)
    assert (nip.tmt_year, nip.tmt_month) == (2015, 5)
    assert nip.sex == "male"
    assert nip.sequence == 1


def test_female_digit() -> None:
    assert parse_nip("199001012015052003", today=TODAY).sex == "female"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("19860926201505100", "exactly 18 digits"),
        ("1986092620150510011", "exactly 18 digits"),
        ("19860926201505100a", "exactly 18 digits"),
        ("１９８６09262015051001", "exactly 18 digits"),  # full-width digits are not ASCII
        ("198602302015051001", "not a real birth date"),  # 30 February
        ("198613012015051001", "not a real birth date"),
        ("198609262015131001", "not a real TMT"),
        ("198609262015001001", "not a real TMT"),
        ("198609262004081001", "before the 18th birthday"),  # TMT 2004-08, 18 in 2004-09
        ("198609262027011001", "in the future"),
        ("198609262015053001", "sex"),
        ("198609262015050001", "sex"),
    ],
)
def test_rejects_with_the_reason(value: str, message: str) -> None:
    with pytest.raises(InvalidNip, match=message):
        parse_nip(value, today=TODAY)


def test_tmt_in_the_month_of_the_18th_birthday_is_allowed() -> None:
    assert parse_nip("198609262004091001", today=TODAY).tmt_year == 2004


def test_tmt_in_the_current_month_is_allowed() -> None:
    assert parse_nip("198609262026111001", today=TODAY).tmt_month == 11


def test_leap_day_birth_date() -> None:
    assert parse_nip("200002292020011001", today=TODAY).birth_date == date(2000, 2, 29)


def test_disagreements_name_the_field() -> None:
    nip = parse_nip("198609262015051001", today=TODAY)
    assert nip_disagreements(nip, birth_date=date(1986, 9, 26), sex="male") == []
    problems = nip_disagreements(nip, birth_date=date(1986, 9, 27), sex="female")
    assert len(problems) == 2
    assert problems[0].startswith("birth_date") and problems[1].startswith("sex")

