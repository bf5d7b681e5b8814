"""The agency policy as data: weighted JPM, year aggregation, thresholds, and what makes a policy invalid."""

from dataclasses import replace
from datetime import date

import pytest

from services.assessment.domain import (
    DEFAULT_POLICY,
    AgencyPolicy,
    CompetencyGroup,
    CompetencyScore,
    MissingYear,
    evaluate,
    job_person_match,
    performance_level,
    policy_problems,
    potential_level,
    scores_against,
)
from shared.events.vocabulary import PerformanceLevel as Perf
from shared.events.vocabulary import PotentialLevel as Pot
from shared.events.vocabulary import Rating as R

M, T = CompetencyGroup.MANAGERIAL_SOCIO_CULTURAL, CompetencyGroup.TECHNICAL
WEIGHTED = AgencyPolicy(version="kab-w-1", weight_managerial_socio_cultural=70, weight_technical=30)


def test_weights_combine_each_groups_match() -> None:
    scores = [CompetencyScore("Integritas", 4, 4, M), CompetencyScore("Kerjasama", 4, 2, M),  # 75 %
              CompetencyScore("Keuangan Daerah", 5, 5, T)]  # 100 %
    assert job_person_match(scores) == pytest.approx(100 * 11 / 13, abs=0.01)  # unweighted: 84.62
    assert job_person_match(scores, WEIGHTED) == pytest.approx(0.7 * 75 + 0.3 * 100)  # 82.5
    assert job_person_match(scores, replace(WEIGHTED, weight_managerial_socio_cultural=0, weight_technical=100)) == 100


def test_a_group_missing_from_the_standard_leaves_the_other_alone() -> None:
    only_managerial = [CompetencyScore("Integritas", 4, 3, M)]
    assert job_person_match(only_managerial, WEIGHTED) == 75.0


def test_a_competency_not_assessed_counts_zero() -> None:
    scores = scores_against({"Integritas": (4, M), "Kerjasama": (4, M)}, {"Integritas": 4})
    assert [s.achieved for s in scores] == [4, 0] and job_person_match(scores) == 50.0
    assert [s.gap for s in scores] == [0, 4]


@pytest.mark.parametrize(("jpm", "level"), [(80, Pot.TINGGI), (79.99, Pot.MENENGAH), (68, Pot.MENENGAH),
                                            (67.99, Pot.RENDAH)])
def test_an_agencys_own_thresholds_80_68(jpm: float, level: Pot) -> None:
    assert potential_level(jpm, AgencyPolicy(potential_high=80, potential_medium=68)) is level


def test_the_same_result_changes_level_under_another_policy() -> None:
    scores = [CompetencyScore("Integritas", 5, 4, M)]  # JPM 80
    assert evaluate(scores, date(2026, 6, 1), DEFAULT_POLICY).potential_level is Pot.MENENGAH
    own = evaluate(scores, date(2026, 6, 1), AgencyPolicy(version="kab-x-1", potential_high=80, potential_medium=68,
                                                          assessment_valid_years=2))
    assert (own.potential_level, own.valid_until, own.policy_version) == (Pot.TINGGI, date(2028, 6, 1), "kab-x-1")


def test_one_year_policy_uses_the_latest_year_alone() -> None:
    result = performance_level({2024: R.SANGAT_KURANG, 2025: R.SANGAT_BAIK}, AgencyPolicy(performance_years=1))
    assert result is not None and result.years_considered == [2025] and result.level is Perf.DI_ATAS_EKSPEKTASI


def test_two_years_by_default() -> None:
    result = performance_level({2024: R.KURANG, 2025: R.SANGAT_BAIK})
    assert result is not None and result.years_considered == [2025, 2024] and result.average_score == 3.5


def test_a_missing_year_is_skipped_by_default_or_counts_lowest_when_the_agency_says_so() -> None:
    ratings = {2023: R.BAIK, 2025: R.SANGAT_BAIK}  # 2024 missing
    skipped = performance_level(ratings)
    assert skipped is not None and skipped.years_considered == [2025] and skipped.level is Perf.DI_ATAS_EKSPEKTASI
    strict = performance_level(ratings, AgencyPolicy(missing_year=MissingYear.LOWEST))
    assert strict is not None and strict.years_considered == [2025, 2024] and strict.average_score == 3.0
    assert strict.level is Perf.DI_BAWAH_EKSPEKTASI


def test_the_default_policy_is_valid() -> None:
    assert policy_problems(DEFAULT_POLICY) == [] and policy_problems(WEIGHTED) == []


@pytest.mark.parametrize(("changes", "field"), [
    ({"potential_high": 70, "potential_medium": 78}, "potential_high"),  # high < medium
    ({"potential_high": 78, "potential_medium": 78}, "potential_high"),
    ({"potential_high": 101}, "potential_high"),
    ({"performance_above": 3.0, "performance_meets": 3.5}, "performance_above"),
    ({"performance_years": 0}, "performance_years"),
    ({"assessment_valid_years": 0}, "assessment_valid_years"),
    ({"weight_managerial_socio_cultural": 70}, "weight_technical"),  # one weight alone
    ({"weight_managerial_socio_cultural": 70, "weight_technical": 20}, "weight_technical"),  # not 100
])
def test_inconsistent_policies_name_the_field(changes: dict[str, float], field: str) -> None:
    assert field in [f for f, _ in policy_problems(replace(DEFAULT_POLICY, **changes))]
