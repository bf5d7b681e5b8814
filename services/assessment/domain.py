"""The two axes of the grid (domain.md §3): SKP rating → performance level, competencies → JPM →
potential level. Pure rules; the policy is data with a version, recorded on every result."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

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


@dataclass(frozen=True)
class AgencyPolicy:
    """[default] policy; agencies get their own versions (issue: assessment policy as versioned data)."""

    version: str = "default-1"
    performance_above: float = 4.5
    performance_meets: float = 3.5
    performance_years: int = 2
    potential_high: float = 90.0
    potential_medium: float = 78.0
    assessment_valid_years: int = 3


DEFAULT_POLICY = AgencyPolicy()


def rating_from_judgements(hasil_kerja: Expectation, perilaku_kerja: Expectation) -> Rating:
    return RATING_MATRIX[(hasil_kerja, perilaku_kerja)]


@dataclass(frozen=True)
class PerformanceResult:
    level: PerformanceLevel
    years_considered: list[int]
    average_score: float


def performance_level(ratings_by_year: Mapping[int, Rating], policy: AgencyPolicy = DEFAULT_POLICY) -> PerformanceResult | None:
    """Average the scores of the latest rated year and the years just before it (policy.performance_years);
    a missing year inside that window is skipped. No rating at all → None (not mappable)."""
    if not ratings_by_year:
        return None
    latest = max(ratings_by_year)
    years = [y for y in range(latest, latest - policy.performance_years, -1) if y in ratings_by_year]
    average = sum(RATING_SCORE[ratings_by_year[y]] for y in years) / len(years)
    if average >= policy.performance_above:
        level = PerformanceLevel.DI_ATAS_EKSPEKTASI
    elif average >= policy.performance_meets:
        level = PerformanceLevel.SESUAI_EKSPEKTASI
    else:
        level = PerformanceLevel.DI_BAWAH_EKSPEKTASI
    return PerformanceResult(level, years, average)


@dataclass(frozen=True)
class CompetencyScore:
    competency: str
    required: int
    achieved: int

    @property
    def gap(self) -> int:
        return max(0, self.required - self.achieved)


def job_person_match(scores: Iterable[CompetencyScore]) -> float:
    """100 × Σ min(achieved, required) ÷ Σ required: a surplus in one competency never hides a gap in another."""
    scores = list(scores)
    required = sum(s.required for s in scores)
    if required == 0:
        raise ValueError("a competency standard needs at least one required level")
    return round(100 * sum(min(s.achieved, s.required) for s in scores) / required, 2)


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
