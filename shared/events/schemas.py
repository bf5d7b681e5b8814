"""Typed, versioned event payloads: the contract between services (pinned by contract tests)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from shared.events import topics
from shared.events.envelope import EventData
from shared.events.vocabulary import PerformanceLevel, PotentialLevel, Rating


class PositionSpell(BaseModel):
    """A position held from `start_date` until `end_date` (the next position's start; None: still held)."""

    model_config = ConfigDict(frozen=True)

    position_type: str
    title: str | None = None
    start_date: date
    end_date: date | None = None


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
    employment_status: Literal["pns", "pppk"] = "pns"
    position_type: str | None = None
    position_code: str | None = None
    position_title: str | None = None
    golongan: str | None = None
    positions: list[PositionSpell] | None = None  # the position history, oldest first (None: not sent)


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
    year: int  # the latest rated year, which the level stands for
    rating: Rating  # that year's rating
    performance_level: PerformanceLevel
    years_considered: list[int]
    policy_version: str
    average_score: float | None = None
    reason: str | None = None  # set when a policy change re-evaluated the level
    recorded_year: int | None = None  # a rating of an earlier year, recorded late, that led to this event


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
    version: int | None = None  # of this assessment: 1 as recorded, then one per correction or re-evaluation
    change: Literal["original", "correction", "re_evaluation"] | None = None
    reason: str | None = None
    supersedes: str | None = None  # the result (version id) this one replaces: an earlier version or assessment
    result_id: str | None = None  # this version's id
    target_position_code: str | None = None  # matched against a named position instead of the current one
    standard_source: str | None = None  # position:<code> | position_type:<type> | request
    weights: dict[str, float] | None = None  # the agency's weights, when the JPM was weighted
    potential_score: float | None = None  # the assessor's overall score, when given


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
    computed_box: int | None = None  # differs from to_box when the talent committee calibrated the box
    calibration_decision_id: str | None = None


# --- succession (talenta.succession.events, keyed by key-position id; a box calibration by NIP) ---------


class CandidateNominated(EventData):
    """An ASN entered a key position's succession plan (or the committee approved them as a candidate)."""

    event_type = "candidate.nominated"
    topic = topics.SUCCESSION_EVENTS

    position_id: str
    position_name: str
    agency_id: str
    nip: str
    readiness: str
    rank: int | None = None
    reasons: list[str] = []


class ReadinessChanged(EventData):
    """A candidate's readiness for a key position changed (computed, or set by the committee)."""

    event_type = "readiness.changed"
    topic = topics.SUCCESSION_EVENTS

    position_id: str
    position_name: str
    agency_id: str
    nip: str
    from_readiness: str | None
    to_readiness: str
    reason: str
    decided_by: str | None = None


class CommitteeDecided(EventData):
    """An immutable decision of an agency's talent committee (who, when, why)."""

    event_type = "committee.decided"
    topic = topics.SUCCESSION_EVENTS

    decision_id: str
    session_id: str
    agency_id: str
    kind: Literal["calibrate_box", "approve_candidate", "reject_candidate", "set_readiness",
                  "review_plan", "set_plan"]
    nip: str | None = None
    position_id: str | None = None
    value: str | None = None
    reason: str
    decided_by: str
    decided_at: datetime
    member_subjects: list[str] = []
    evidence: list[str] = []
    supersedes: str | None = None  # the decision this one corrects


class PlanChanged(EventData):
    """A key position's succession plan changed state (draft → reviewed → set) or content."""

    event_type = "plan.changed"
    topic = topics.SUCCESSION_EVENTS

    position_id: str
    position_name: str
    agency_id: str
    state: Literal["draft", "reviewed", "set"]
    ready_now: int
    target_ready: int
    candidates: list[str]
    reason: str | None = None  # set when a reviewed or set plan went back to draft because its candidates changed


class RiskSignaled(EventData):
    """A succession risk for the agency's HR admins."""

    event_type = "risk.signaled"
    topic = topics.SUCCESSION_EVENTS

    agency_id: str
    kind: Literal["no_ready_successor", "incumbent_retiring", "successor_dropped_out"]
    position_id: str
    position_name: str
    nip: str | None = None
    detail: str
    detected_at: datetime


# --- notification (talenta.notification.events, keyed by the recipient) ----------------------------


class _NotificationOutcome(EventData):
    topic = topics.NOTIFICATION_EVENTS

    notification_id: str
    source_event_id: uuid.UUID
    source_event_type: str
    recipient: str
    channel: Literal["inbox", "email", "webhook"]
    agency_id: str | None = None
    attempts: int


class NotificationDelivered(_NotificationOutcome):
    event_type = "notification.delivered"

    delivered_at: datetime


class NotificationFailed(_NotificationOutcome):
    event_type = "notification.failed"

    reason: str
    failed_at: datetime


EVENT_TYPES: dict[str, type[EventData]] = {
    model.event_type: model
    for model in (ProfileRegistered, ProfileUpdated, PortfolioChanged, DataQualityChanged, PerformanceRated, AssessmentCompleted,
                  TalentReclassified, CandidateNominated, ReadinessChanged, CommitteeDecided, PlanChanged, RiskSignaled,
                  NotificationDelivered, NotificationFailed)
}
