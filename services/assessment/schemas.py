"""HTTP bodies of the assessment service."""

from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from shared.events.vocabulary import Expectation, Rating

NipField = Field(pattern=r"^\d{18}$", description="18-digit NIP", examples=["198609262015051001"])


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


class AssessmentMethod(StrEnum):
    ASSESSMENT_CENTRE = "assessment_centre"
    CACT = "cact"
    COMPETENCY_TEST = "competency_test"


class CompetencyResult(BaseModel):
    competency: str = Field(min_length=1, max_length=100)
    required: int = Field(ge=1, le=5, description="level the position's standard requires")
    achieved: int = Field(ge=1, le=5, description="level the ASN reached")


class AssessmentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    nip: str = NipField
    assessed_on: date
    method: AssessmentMethod
    assessor: str = Field(min_length=1, max_length=200, description="assessing body")
    competencies: list[CompetencyResult] = Field(min_length=1)

    @field_validator("assessed_on")
    @classmethod
    def _not_future(cls, value: date) -> date:
        if value > date.today():
            raise ValueError(f"assessed_on {value.isoformat()} is in the future")
        return value

    @field_validator("competencies")
    @classmethod
    def _unique(cls, value: list[CompetencyResult]) -> list[CompetencyResult]:
        names = [c.competency for c in value]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"competencies listed twice: {', '.join(duplicates)}")
        return value


class AssessmentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    nip: str
    agency_id: str
    assessed_on: date
    method: str
    assessor: str
    competencies: list[CompetencyResult]
    jpm: float
    potential_level: str
    valid_until: date
    policy_version: str
    recorded_at: datetime
