"""HTTP bodies for what an agency's HR admin configures: catalogue, standards, policy, and jobs."""

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from services.assessment.domain import MissingYear

LevelMap = dict[str, int]


class CompetencyOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    name: str
    kind: str = Field(description="managerial | socio_cultural | cact | technical")
    owner: str = Field(description="`national`, or the agency that defined this technical competency")
    description: str | None


class TechnicalCompetencyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=2, max_length=100, examples=["Pengelolaan Keuangan Daerah"])
    description: str | None = Field(default=None, max_length=2000)


class StandardIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str | None = Field(default=None, max_length=200)
    requirements: dict[str, int] = Field(min_length=1, description="competency → required level (1–5)",
                                         examples=[{"Integritas": 4, "Pengambilan Keputusan": 4}])


class StandardOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    agency_id: str
    scope: str = Field(description="position (by the agency's position code) | position_type (the default)")
    key: str
    title: str | None
    requirements: dict[str, int]
    updated_by: str
    updated_at: datetime


class PolicyRules(BaseModel):
    model_config = ConfigDict(extra="forbid")

    potential_high: float = Field(gt=0, le=100, description="JPM from which potential is tinggi")
    potential_medium: float = Field(gt=0, le=100, description="JPM from which potential is menengah")
    performance_above: float = Field(gt=1, le=5, description="average score from which di atas ekspektasi")
    performance_meets: float = Field(gt=1, le=5, description="average score from which sesuai ekspektasi")
    performance_years: int = Field(default=2, ge=1, le=5, description="rated years averaged, back from the latest")
    missing_year: MissingYear = Field(default=MissingYear.SKIP, description=(
        "a year without a rating inside the window: `skip` it, or count it as the `lowest` score"))
    assessment_valid_years: int = Field(default=3, ge=1, le=10)
    weight_managerial_socio_cultural: float | None = Field(default=None, ge=0, le=100, description=(
        "percent; with weight_technical (together 100) the JPM weights the two groups"))
    weight_technical: float | None = Field(default=None, ge=0, le=100)


class PolicyIn(PolicyRules):
    reason: str = Field(min_length=3, max_length=1000, description="why the policy changes (audited)")


class PolicyOut(PolicyRules):
    agency_id: str
    version: str = Field(description="recorded on every result this policy produced")
    number: int = Field(description="0 for the national default")
    reason: str
    changed_by: str
    changed_at: datetime | None


class JobOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    agency_id: str
    policy_version: str
    state: str = Field(description="queued | running | succeeded | superseded (a newer policy took over) | failed")
    total: int = Field(description="ASN of the agency when the job started")
    processed: int
    progress: float = Field(description="0–1")
    assessments_changed: int = Field(description="current assessments whose result changed (a new version each)")
    performance_changed: int = Field(description="ASN whose performance level changed")
    events_emitted: int
    error: str | None
    created_by: str
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


class PolicyChangeOut(BaseModel):
    policy: PolicyOut
    job: JobOut
