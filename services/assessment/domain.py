"""The two axes of the grid (domain.md §3): SKP rating → performance level, competencies → JPM →
potential level. Pure rules; the policy is data with a version, recorded on every result."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from shared.events.vocabulary import Expectation, PerformanceLevel, PotentialLevel, Rating

# PermenPANRB 6/2022: hasil kerja (rows) × perilaku kerja (columns) → predikat kinerja.
RATING_MATRIX: Mapping[tuple[Expectation, Expectation], Rating] = {
    (Expectation.ABOVE, Expectation.BELOW): Rating.KURANG,
    (Expectation.ABOVE, Expectation.MEETS): Rating.BAIK,
    (Expectation.ABOVE, Expectation.ABOVE): Rating.SANGAT_BAIK,
    (Expectation.MEETS, Expectation.BELOW): Rating.KURANG,
    (Expectation.MEETS, Expectation.MEETS): Rating.BAIK,
    (Expectation.MEETS, Expectation.ABOVE): Rating.BAIK,
    (Expectation.BELOW, Expectation.BELOW): Rating.SANGAT_KURANG,
    (Expectation.BELOW, Expectation.MEETS): Rating.BUTUH_PERBAIKAN,
    (Expectation.BELOW, Expectation.ABOVE): Rating.BUTUH_PERBAIKAN,
}

RATING_SCORE: Mapping[Rating, int] = {
    Rating.SANGAT_BAIK: 5, Rating.BAIK: 4, Rating.BUTUH_PERBAIKAN: 3, Rating.KURANG: 2, Rating.SANGAT_KURANG: 1,
}


class MissingYear(StrEnum):
    """What a year without a rating inside the aggregation window counts as."""

    SKIP = "skip"  # left out: the average is over the rated years of the window [default]
    LOWEST = "lowest"  # counts as Sangat Kurang (score 1): no SKP, no credit


class CompetencyGroup(StrEnum):
    """The two sides an agency may weight: generic (managerial, socio-cultural, CACT) and technical."""

    MANAGERIAL_SOCIO_CULTURAL = "managerial_socio_cultural"
    TECHNICAL = "technical"


@dataclass(frozen=True)
class AgencyPolicy:
    """[default] policy; agencies keep their own versions (validated by `policy_problems`)."""

    version: str = "default-1"
    performance_above: float = 4.5
    performance_meets: float = 3.5
    performance_years: int = 2
    missing_year: MissingYear = MissingYear.SKIP
    potential_high: float = 90.0
    potential_medium: float = 78.0
    assessment_valid_years: int = 3
    weight_managerial_socio_cultural: float | None = None  # percentages summing to 100, or both None
    weight_technical: float | None = None

    @property
    def weights(self) -> dict[str, float] | None:
        if self.weight_managerial_socio_cultural is None or self.weight_technical is None:
            return None
        return {CompetencyGroup.MANAGERIAL_SOCIO_CULTURAL.value: self.weight_managerial_socio_cultural,
                CompetencyGroup.TECHNICAL.value: self.weight_technical}


DEFAULT_POLICY = AgencyPolicy()


def policy_problems(policy: AgencyPolicy) -> list[tuple[str, str]]:
    """(field, message) for every inconsistency; an empty list means the policy may be used."""
    problems: list[tuple[str, str]] = []
    if not 0 < policy.potential_medium < policy.potential_high <= 100:
        problems.append(("potential_high", f"needs 0 < potential_medium ({policy.potential_medium}) < "
                                           f"potential_high ({policy.potential_high}) ≤ 100"))
    if not 1 < policy.performance_meets < policy.performance_above <= 5:
        problems.append(("performance_above", f"needs 1 < performance_meets ({policy.performance_meets}) < "
                                              f"performance_above ({policy.performance_above}) ≤ 5"))
    if not 1 <= policy.performance_years <= 5:
        problems.append(("performance_years", "between 1 and 5 years"))
    if not 1 <= policy.assessment_valid_years <= 10:
        problems.append(("assessment_valid_years", "between 1 and 10 years"))
    weights = (policy.weight_managerial_socio_cultural, policy.weight_technical)
    if (weights[0] is None) != (weights[1] is None):
        problems.append(("weight_technical", "give both weights or neither"))
    elif weights[0] is not None and weights[1] is not None:
        if min(weights) < 0 or abs(sum(weights) - 100) > 1e-9:
            problems.append(("weight_technical", f"the weights must be ≥ 0 and add up to 100, not {sum(weights)}"))
    return problems


def rating_from_judgements(hasil_kerja: Expectation, perilaku_kerja: Expectation) -> Rating:
    return RATING_MATRIX[(hasil_kerja, perilaku_kerja)]


@dataclass(frozen=True)
class PerformanceResult:
    level: PerformanceLevel
    years_considered: list[int]
    average_score: float


def performance_level(ratings_by_year: Mapping[int, Rating], policy: AgencyPolicy = DEFAULT_POLICY) -> PerformanceResult | None:
    """Average the scores of the latest rated year and the years just before it (policy.performance_years);
    a year inside that window without a rating is skipped or counts as the lowest score (policy.missing_year).
    No rating at all → None (not mappable)."""
    if not ratings_by_year:
        return None
    latest = max(ratings_by_year)
    window = list(range(latest, latest - policy.performance_years, -1))
    if policy.missing_year is MissingYear.LOWEST:
        years, scores = window, [RATING_SCORE.get(ratings_by_year.get(y), 1) for y in window]  # type: ignore[arg-type]
    else:
        years = [y for y in window if y in ratings_by_year]
        scores = [RATING_SCORE[ratings_by_year[y]] for y in years]
    average = sum(scores) / len(scores)
    if average >= policy.performance_above:
        level = PerformanceLevel.DI_ATAS_EKSPEKTASI
    elif average >= policy.performance_meets:
        level = PerformanceLevel.SESUAI_EKSPEKTASI
    else:
        level = PerformanceLevel.DI_BAWAH_EKSPEKTASI
    return PerformanceResult(level, years, average)


@dataclass(frozen=True)
class CompetencyScore:
    """One competency of the standard: the level required, the level achieved (0 = not assessed)."""

    competency: str
    required: int
    achieved: int
    group: CompetencyGroup = CompetencyGroup.MANAGERIAL_SOCIO_CULTURAL

    @property
    def gap(self) -> int:
        return max(0, self.required - self.achieved)


def _match(scores: list[CompetencyScore]) -> float:
    required = sum(s.required for s in scores)
    if required == 0:
        raise ValueError("a competency standard needs at least one required level")
    return 100 * sum(min(s.achieved, s.required) for s in scores) / required


def job_person_match(scores: Iterable[CompetencyScore], policy: AgencyPolicy = DEFAULT_POLICY) -> float:
    """100 × Σ min(achieved, required) ÷ Σ required: a surplus in one competency never hides a gap in another.
    With agency weights, each group's match is weighted; a group absent from the standard leaves the other alone."""
    scores = list(scores)
    weights = policy.weights
    if weights is None:
        return round(_match(scores), 2)
    groups = {g: [s for s in scores if s.group is g] for g in CompetencyGroup}
    present = {g: weights[g.value] for g, members in groups.items() if members}
    total = sum(present.values())
    if total == 0:  # every present group weighs 0: nothing to weight
        return round(_match(scores), 2)
    return round(sum(_match(groups[g]) * w for g, w in present.items()) / total, 2)


def potential_level(jpm: float, policy: AgencyPolicy = DEFAULT_POLICY) -> PotentialLevel:
    if jpm >= policy.potential_high:
        return PotentialLevel.TINGGI
    if jpm >= policy.potential_medium:
        return PotentialLevel.MENENGAH
    return PotentialLevel.RENDAH


def valid_until(assessed_on: date, policy: AgencyPolicy = DEFAULT_POLICY) -> date:
    years = policy.assessment_valid_years
    try:
        return assessed_on.replace(year=assessed_on.year + years)
    except ValueError:  # 29 February
        return assessed_on.replace(year=assessed_on.year + years, day=28)


@dataclass(frozen=True)
class Evaluation:
    jpm: float
    potential_level: PotentialLevel
    valid_until: date
    policy_version: str


def evaluate(scores: Iterable[CompetencyScore], assessed_on: date, policy: AgencyPolicy) -> Evaluation:
    """The potential axis of one assessment under one policy."""
    jpm = job_person_match(scores, policy)
    return Evaluation(jpm, potential_level(jpm, policy), valid_until(assessed_on, policy), policy.version)


def scores_against(standard: Mapping[str, tuple[int, CompetencyGroup]], achieved: Mapping[str, int]) -> list[CompetencyScore]:
    """The standard's competencies with the achieved levels; one not assessed counts 0."""
    return [CompetencyScore(name, required, achieved.get(name, 0), group)
            for name, (required, group) in standard.items()]
