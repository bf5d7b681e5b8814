from datetime import date

import pytest

from services.succession.domain import Readiness, assess_candidate
from services.succession.eligibility import Facts, InvalidRules, RuleResult, Spell, evaluate, validate

JPT_PRATAMA = {"min_education": "S1", "min_years_in_positions": 5, "max_age": 56,
               "years_at_level": {"position_types": ["administrator", "fungsional_ahli_madya"], "years": 2},
               "min_skp_rating": {"rating": "baik", "years": 2}}
AS_OF = date(2026, 11, 1)
QUALIFIED = Facts(birth_date=date(1980, 1, 1), education_level="S2",
                  positions=(Spell("pengawas", date(2014, 1, 1), date(2020, 12, 31)), Spell("administrator", date(2021, 1, 1), None)),
                  ratings={2025: "sangat_baik", 2024: "baik"})


def test_a_qualified_candidate_meets_every_rule_with_what_was_found() -> None:
    results = evaluate(validate(JPT_PRATAMA), QUALIFIED, as_of=AS_OF)
    assert [r.rule for r in results] == ["min_education", "min_years_in_positions", "years_at_level", "max_age",
                                         "min_skp_rating"]
    assert all(r.met for r in results), results
    assert results[3].detail == "age 46, limit 56"


@pytest.mark.parametrize(("facts", "rule", "detail"), [
    (Facts(birth_date=date(1969, 1, 1), education_level="S1", positions=(), ratings={}), "max_age", "age 57, limit 56"),
    (Facts(education_level="D-III"), "min_education", "D-III, needs at least S1"),
    (Facts(), "min_education", "unknown: no education recorded (needs S1)"),
    (Facts(), "min_years_in_positions", "unknown: no position history (needs 5 years)"),
    (Facts(positions=(Spell("pengawas", date(2024, 1, 1), None),)), "years_at_level",
     "0.0 years as administrator or fungsional_ahli_madya, needs 2"),
    (Facts(ratings={2025: "baik", 2024: "butuh_perbaikan"}), "min_skp_rating",
     "SKP 2025: baik, 2024: butuh_perbaikan; needs at least baik"),
    (Facts(ratings={2025: "baik"}), "min_skp_rating",
     "unknown: no SKP rating for 2024 (needs at least baik in each of the last 2 years)"),
])
def test_unmet_and_unknown_rules_are_unmet_with_the_reason(facts: Facts, rule: str, detail: str) -> None:
    result = next(r for r in evaluate(JPT_PRATAMA, facts, as_of=AS_OF) if r.rule == rule)
    assert (result.met, result.detail) == (False, detail)


def test_s1_and_d_iv_are_the_same_level() -> None:
    assert evaluate({"min_education": "S1"}, Facts(education_level="D-IV"), as_of=AS_OF)[0].met
    assert evaluate({"min_education": "D-IV"}, Facts(education_level="S1"), as_of=AS_OF)[0].met


@pytest.mark.parametrize(("rules", "field"), [
    ({"min_golongan": "III/d"}, "rules.min_golongan"),
    ({"min_education": "SMK"}, "rules.min_education"),
    ({"max_age": "56"}, "rules.max_age"),
    ({"years_at_level": {"years": 2}}, "rules.years_at_level"),
    ({"min_skp_rating": {"rating": "good", "years": 2}}, "rules.min_skp_rating"),
])
def test_a_policy_naming_an_unknown_rule_or_a_bad_threshold_is_refused(rules: dict, field: str) -> None:
    with pytest.raises(InvalidRules) as refused:
        validate(rules)
    assert refused.value.field == field


STANDARD = {"Integritas": 4}


def test_unmet_eligibility_caps_readiness_and_the_age_limit_excludes() -> None:
    unmet = [RuleResult("min_education", False, "D-III, needs at least S1")]
    assert assess_candidate(9, {"Integritas": 4}, STANDARD, None, unmet).readiness is Readiness.ONE_TO_TWO_YEARS
    too_old = [RuleResult("max_age", False, "age 57, limit 56")]
    excluded = assess_candidate(9, {"Integritas": 4}, STANDARD, None, too_old)
    assert excluded.readiness is Readiness.NOT_A_CANDIDATE and "not eligible: max_age (age 57, limit 56)" in excluded.reasons
    met = [RuleResult("min_education", True, "S1, needs at least S1")]
    ready = assess_candidate(9, {"Integritas": 4}, STANDARD, None, met)
    assert ready.readiness is Readiness.READY_NOW and "meets every eligibility rule" in ready.reasons
