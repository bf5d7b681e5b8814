"""Typed, versioned event payloads: the contract between services (pinned by contract tests)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from shared.events import topics
from shared.events.envelope import EventData
from shared.events.vocabulary import PerformanceLevel, PotentialLevel, Rating


class ProfileSnapshot(EventData):
    """The full profile, so consumers keep their own read models (event-carried state transfer)."""

    topic = topics.PROFILE_EVENTS

    nip: str
    agency_id: str
    unit_id: str | None = None
    name: str
    sex: Literal["male", "female"]
    birth_date: date
    email: str | None = None
    position_type: str | None = None
    golongan: str | None = None


class ProfileRegistered(ProfileSnapshot):
    event_type = "profile.registered"


class ProfileUpdated(ProfileSnapshot):
    event_type = "profile.updated"


class PortfolioChanged(EventData):
    """A portfolio entry was recorded; `item` is the entry as recorded (its `kind` says which)."""

    event_type = "portfolio.changed"
    topic = topics.PROFILE_EVENTS

    nip: str
    agency_id: str
    item_id: int
    kind: str
    item: dict[str, Any]
    training_hours_by_year: dict[int, int]


class DataQualityChanged(EventData):
    """The ASN's data-quality index (0–100) changed; `failed_checks` says what to fix."""

    event_type = "data_quality.changed"
    topic = topics.PROFILE_EVENTS

    nip: str
    agency_id: str
    unit_id: str | None
    score: float
    previous_score: float | None
    dimensions: dict[str, float]
    failed_checks: list[str]
    policy_version: str


class PerformanceRated(EventData):
    event_type = "performance.rated"
    topic = topics.ASSESSMENT_EVENTS

    nip: str
    agency_id: str
    year: int
    rating: Rating
    performance_level: PerformanceLevel
    years_considered: list[int]
    policy_version: str


class CompetencyGap(BaseModel):
    model_config = ConfigDict(frozen=True)

    competency: str
    required: int
    achieved: int
    gap: int


class AssessmentCompleted(EventData):
    event_type = "assessment.completed"
    topic = topics.ASSESSMENT_EVENTS

    nip: str
    agency_id: str
    assessment_id: str
    assessed_on: date
    method: str
    jpm: float
    potential_level: PotentialLevel
    valid_until: date
    gaps: list[CompetencyGap]
    policy_version: str


class TalentReclassified(EventData):
    event_type = "talent.reclassified"
    topic = topics.TALENT_EVENTS

    nip: str
    agency_id: str
    from_box: int | None
    to_box: int | None
    performance_level: PerformanceLevel | None
    potential_level: PotentialLevel | None
    reasons: list[str]
    recommendations: list[str]
    cause_event_id: uuid.UUID
    placed_at: datetime


EVENT_TYPES: dict[str, type[EventData]] = {
    model.event_type: model
    for model in (ProfileRegistered, ProfileUpdated, PortfolioChanged, DataQualityChanged, PerformanceRated, AssessmentCompleted,
                  TalentReclassified)
}
