"""HTTP bodies of the assessment service: SKP ratings and assessment results."""

from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from shared.events.vocabulary import Expectation, Rating

NipField = Field(pattern=r"^\d{18}$", description="18-digit NIP", examples=["198609262015051001"])
Level = Field(ge=1, le=5)


class PerformanceRatingIn(BaseModel):
    """Either both SKP judgements (the rating follows from the regulation's matrix) or the rating itself."""

    model_config = ConfigDict(extra="forbid")

    nip: str = NipField
    year: int = Field(ge=2000, le=2100)
    hasil_kerja: Expectation | None = None
    perilaku_kerja: Expectation | None = None
    rating: Rating | None = None

    @field_validator("year")
    @classmethod
    def _not_future(cls, year: int) -> int:
        if year > date.today().year:
            raise ValueError(f"year {year} is in the future")
        return year

    @model_validator(mode="after")
    def _judgements_or_rating(self) -> "PerformanceRatingIn":
        judgements = (self.hasil_kerja, self.perilaku_kerja)
        if self.rating is None and None in judgements:
            raise ValueError("give both hasil_kerja and perilaku_kerja, or a rating")
        if self.rating is not None and judgements != (None, None):
            raise ValueError("give either the judgements or a rating, not both")
        return self


class PerformanceRatingOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    nip: str
    agency_id: str
    year: int
    hasil_kerja: str | None
    perilaku_kerja: str | None
    rating: str
    recorded_at: datetime


class PerformanceStandingOut(BaseModel):
    """The ASN's performance level for the grid, by the agency's policy."""

    model_config = ConfigDict(from_attributes=True)

    nip: str
    agency_id: str
    performance_level: str
    years_considered: list[int]
    average_score: float
    latest_year: int
    policy_version: str
    updated_at: datetime


class AssessmentMethod(StrEnum):
    ASSESSMENT_CENTRE = "assessment_centre"
    CACT = "cact"
    COMPETENCY_TEST = "competency_test"


class CompetencyResult(BaseModel):
    competency: str = Field(min_length=1, max_length=100, description="a competency of the catalogue")
    achieved: int = Field(ge=1, le=5, description="level the ASN reached")
    required: int | None = Field(default=None, ge=1, le=5, description=(
        "level required; only needed when neither the position nor a target position has a competency standard "
        "(then these levels are the standard); otherwise it must agree with the standard"))


def _unique(value: list[CompetencyResult] | None) -> list[CompetencyResult] | None:
    names = [c.competency for c in value or []]
    if len(set(names)) == len(names):
        return value
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ValueError(f"competencies listed twice: {', '.join(duplicates)}")
    return value


class AssessmentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    nip: str = NipField
    assessed_on: date
    method: AssessmentMethod
    assessor: str = Field(min_length=1, max_length=200, description="assessing body")
    competencies: list[CompetencyResult] = Field(min_length=1)
    potential_score: float | None = Field(default=None, ge=0, le=100,
                                          description="the assessor's overall potential score, when given")
    target_position_code: str | None = Field(default=None, max_length=64, description=(
        "match against this position's standard instead of the ASN's current position"))

    @field_validator("assessed_on")
    @classmethod
    def _not_future(cls, value: date) -> date:
        if value > date.today():
            raise ValueError(f"assessed_on {value.isoformat()} is in the future")
        return value

    @field_validator("competencies")
    @classmethod
    def _unique_competencies(cls, value: list[CompetencyResult] | None) -> list[CompetencyResult] | None:
        return _unique(value)


class CorrectionIn(BaseModel):
    """A correction is a new version of the result, with the reason; what is not given stays as it was."""

    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=3, max_length=1000)
    assessor: str | None = Field(default=None, min_length=1, max_length=200)
    competencies: list[CompetencyResult] | None = Field(default=None, min_length=1)
    potential_score: float | None = Field(default=None, ge=0, le=100)
    target_position_code: str | None = Field(default=None, max_length=64)

    @field_validator("competencies")
    @classmethod
    def _unique_competencies(cls, value: list[CompetencyResult] | None) -> list[CompetencyResult] | None:
        return _unique(value)

    @model_validator(mode="after")
    def _something(self) -> "CorrectionIn":
        if self.model_fields_set <= {"reason"}:
            raise ValueError("a correction changes at least one of assessor, competencies, potential_score, "
                             "target_position_code")
        return self


class GapOut(BaseModel):
    competency: str
    group: str
    required: int
    achieved: int = Field(description="0 when the competency was not assessed")
    gap: int


class AssessmentOut(BaseModel):
    id: str = Field(description="this version's id")
    assessment_id: str = Field(description="the assessment's id, the same for all its versions")
    version: int
    change: str = Field(description="original | correction | re_evaluation")
    reason: str | None
    current: bool = Field(description="the ASN's result in force (neither corrected nor superseded)")
    superseded_by: str | None
    nip: str
    agency_id: str
    assessed_on: date
    method: str
    assessor: str
    potential_score: float | None
    competencies: list[CompetencyResult]
    standard_source: str
    target_position_code: str | None
    gaps: list[GapOut]
    jpm: float
    potential_level: str
    valid_until: date
    policy_version: str
    recorded_by: str
    recorded_at: datetime
