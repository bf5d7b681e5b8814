from datetime import date

import pytest

from services.succession.development import MIN_JP_PER_YEAR, below_standard, plan_for, split_of, training_progress
from services.succession.domain import plan_transition, retirement_date, retiring_within

GAPS = [{"competency": "Integritas", "required": 3, "achieved": 3},
        {"competency": "Pengambilan Keputusan", "required": 4, "achieved": 2},
        {"competency": "Kerjasama", "required": 3, "achieved": 2}]


@pytest.mark.parametrize("box", range(1, 10))
def test_every_box_gets_a_70_20_10_plan(box: int) -> None:
    _, interventions = plan_for(box, GAPS)
    assert split_of([i.as_dict() for i in interventions]) == {"on_the_job": 70, "social": 20, "formal": 10}


def test_interventions_aim_at_the_competencies_below_standard_largest_gap_first() -> None:
    assert below_standard(GAPS) == ["Pengambilan Keputusan", "Kerjasama"]
    targets, interventions = plan_for(5, GAPS)
    assert targets == ["Pengambilan Keputusan", "Kerjasama"]
    assert {i.competency for i in interventions} == {"Pengambilan Keputusan", "Kerjasama"}
    assert interventions[0].activity == "stretch assignment in the current post"
    _, without_gaps = plan_for(9, [])
    assert {i.competency for i in without_gaps} == {None}


def test_training_hours_against_the_20_jp_rule() -> None:
    assert MIN_JP_PER_YEAR == 20
    short = training_progress({2026: 12}, 2026)
    assert (short.hours, short.met, short.remaining) == (12, False, 8)
    assert training_progress({2026: 24}, 2026).met and training_progress({}, 2025).remaining == 20


def test_plan_states_move_draft_reviewed_set_only() -> None:
    assert plan_transition("draft", "review_plan") == "reviewed"
    assert plan_transition("reviewed", "set_plan") == "set"
    for state, action in [("draft", "set_plan"), ("reviewed", "review_plan"), ("set", "review_plan"), ("set", "set_plan")]:
        assert plan_transition(state, action) is None


def test_retirement_at_58_or_60_for_jpt_and_the_12_month_warning() -> None:
    assert retirement_date(date(1968, 5, 15), "administrator", age=58, jpt_age=60) == date(2026, 5, 15)
    assert retirement_date(date(1968, 5, 15), "jpt_pratama", age=58, jpt_age=60) == date(2028, 5, 15)
    assert retirement_date(date(1968, 2, 29), "administrator", age=58, jpt_age=60) == date(2026, 2, 28)
    assert retiring_within(date(2027, 11, 1), date(2026, 11, 1), 12)
    assert not retiring_within(date(2027, 11, 2), date(2026, 11, 1), 12)
    assert retiring_within(date(2026, 1, 1), date(2026, 11, 1), 12)  # already past: still a risk
