from datetime import date

import pytest

from services.profile.domain import current_entry, golongan_fits

TODAY = date(2026, 11, 29)


def test_the_entry_in_force_is_the_latest_not_in_the_future() -> None:
    entries = [(date(2020, 1, 1), 1, "a"), (date(2024, 1, 1), 2, "b"), (date(2027, 1, 1), 3, "future")]
    assert current_entry(entries, today=TODAY) == "b"


def test_same_effective_date_takes_the_later_record() -> None:
    assert current_entry([(date(2024, 1, 1), 5, "corrected"), (date(2024, 1, 1), 4, "first")], today=TODAY) == "corrected"


def test_only_future_entries_means_none_in_force() -> None:
    assert current_entry([(date(2027, 1, 1), 1, "future")], today=TODAY) is None
    assert current_entry([], today=TODAY) is None


def test_an_entry_effective_today_is_in_force() -> None:
    assert current_entry([(TODAY, 1, "today")], today=TODAY) == "today"


@pytest.mark.parametrize(("golongan", "status", "fits"), [
    ("I/a", "pns", True), ("IV/e", "pns", True), ("I", "pns", False), ("XVII", "pns", False),
    ("I", "pppk", True), ("XVII", "pppk", True), ("XVIII", "pppk", False), ("III/a", "pppk", False),
])
def test_pns_hold_i_a_to_iv_e_and_pppk_i_to_xvii(golongan: str, status: str, fits: bool) -> None:
    assert golongan_fits(golongan, status) is fits


def test_position_history_becomes_spells_each_ending_where_the_next_starts() -> None:
    from services.profile.service import position_spells

    spells = position_spells([("pelaksana", "Analis", date(2012, 1, 2)), ("pengawas", "Kasubbag", date(2018, 7, 1)),
                              ("administrator", "Kabid", date(2023, 3, 1))])
    assert [(s.position_type, s.start_date, s.end_date) for s in spells] == [
        ("pelaksana", date(2012, 1, 2), date(2018, 7, 1)), ("pengawas", date(2018, 7, 1), date(2023, 3, 1)),
        ("administrator", date(2023, 3, 1), None)]
    assert position_spells([]) == []
