import uuid
from datetime import date, datetime

from sqlalchemy import JSON, Float, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from shared.models import new_base, utcnow

Base = new_base()
metadata = Base.metadata


class KnownAsn(Base):
    """Read model of the profile service's ASN."""

    __tablename__ = "known_asn"

    nip: Mapped[str] = mapped_column(String(18), primary_key=True)
    agency_id: Mapped[str] = mapped_column(String(64), index=True)
    unit_id: Mapped[str | None] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    birth_date: Mapped[date | None]
    position_type: Mapped[str | None] = mapped_column(String(40))
    position_code: Mapped[str | None] = mapped_column(String(64))
    golongan: Mapped[str | None] = mapped_column(String(10))
    positions: Mapped[list[dict[str, str | None]] | None] = mapped_column(
        JSON, doc="position history from the snapshot, when the profile service sends it")
    education_level: Mapped[str | None] = mapped_column(String(10), doc="highest level recorded")
    training_hours: Mapped[dict[str, int]] = mapped_column(JSON, default=dict, server_default="{}",
                                                           doc="JP per year (portfolio.changed)")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class TalentAxes(Base):
    """The latest performance and potential levels known for an ASN, and the events that set them."""

    __tablename__ = "talent_axes"

    nip: Mapped[str] = mapped_column(String(18), primary_key=True)
    agency_id: Mapped[str] = mapped_column(String(64), index=True)
    performance_level: Mapped[str | None] = mapped_column(String(30))
    performance_year: Mapped[int | None]
    performance_policy: Mapped[str | None] = mapped_column(String(40))
    performance_event_id: Mapped[str | None] = mapped_column(String(36))
    potential_level: Mapped[str | None] = mapped_column(String(20))
    jpm: Mapped[float | None] = mapped_column(Float)
    assessed_on: Mapped[date | None]
    potential_valid_until: Mapped[date | None]
    potential_policy: Mapped[str | None] = mapped_column(String(40))
    potential_event_id: Mapped[str | None] = mapped_column(String(36))
    competencies: Mapped[dict[str, int]] = mapped_column(JSON, default=dict, doc="achieved level per competency")
    gaps: Mapped[list[dict[str, object]]] = mapped_column(
        JSON, default=list, server_default="[]", doc="competencies below the standard of the assessment")
    ratings: Mapped[dict[str, str]] = mapped_column(JSON, default=dict, server_default="{}",
                                                    doc="SKP rating per year")


class Placement(Base):
    """One nine-box placement (or an unmapped state) with the inputs that produced it; history is kept."""

    __tablename__ = "placements"
    __table_args__ = (Index("ix_placements_nip_placed", "nip", "placed_at"),
                      UniqueConstraint("nip", "sequence", name="uq_placements_nip_sequence"))

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=lambda: str(uuid.uuid4()))
    nip: Mapped[str] = mapped_column(String(18))
    agency_id: Mapped[str] = mapped_column(String(64), index=True)
    box: Mapped[int | None]
    performance_level: Mapped[str | None] = mapped_column(String(30))
    potential_level: Mapped[str | None] = mapped_column(String(20))
    reasons: Mapped[list[str]] = mapped_column(JSON)
    policy_versions: Mapped[dict[str, str | None]] = mapped_column(JSON)
    cause_event_id: Mapped[str] = mapped_column(String(36))
    placed_at: Mapped[datetime]
    sequence: Mapped[int] = mapped_column(default=0, doc="order of placements of one ASN")
    computed_box: Mapped[int | None] = mapped_column(doc="the box the rules computed (a calibration keeps it)")
    calibration_decision_id: Mapped[str | None] = mapped_column(
        String(36), doc="set when `box` is the talent committee's calibration of `computed_box`")


class ParkedEvent(Base):
    """An event about an ASN with no profile yet, kept (not applied) until the profile arrives."""

    __tablename__ = "parked_events"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True, doc="arrival order")
    event_id: Mapped[str] = mapped_column(String(36), unique=True)
    nip: Mapped[str] = mapped_column(String(18), index=True)
    agency_id: Mapped[str] = mapped_column(String(64), index=True)
    event_type: Mapped[str] = mapped_column(String(60))
    envelope: Mapped[str] = mapped_column(Text, doc="the event as consumed")
    reason: Mapped[str] = mapped_column(String(500))
    parked_at: Mapped[datetime]


class PenaltyKnown(Base):
    """Read model of disciplinary penalties (from portfolio.changed): they screen candidates out."""

    __tablename__ = "penalties"

    item_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    nip: Mapped[str] = mapped_column(String(18), index=True)
    level: Mapped[str] = mapped_column(String(10))
    starts_on: Mapped[date]
    ends_on: Mapped[date | None]


class KeyPosition(Base):
    """A strategic or critical position (jabatan strategis / kritikal) with its competency standard."""

    __tablename__ = "key_positions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    agency_id: Mapped[str] = mapped_column(String(64), index=True)
    title: Mapped[str] = mapped_column(String(200))
    position_type: Mapped[str] = mapped_column(String(40))
    standard: Mapped[dict[str, int]] = mapped_column(JSON, doc="required level per competency")
    incumbent_nip: Mapped[str | None] = mapped_column(String(18))
    incumbent_retires_on: Mapped[date | None]
    target_ready_successors: Mapped[int] = mapped_column(default=2)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CommitteeMember(Base):
    """A member of an agency's talent committee (Komite Talenta), identified by the JWT subject.

    `role` is chair, secretary, member, or ppk: the head of agency, who sets succession plans."""

    __tablename__ = "committee_members"
    __table_args__ = (Index("ix_committee_members_agency_subject", "agency_id", "subject"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=lambda: str(uuid.uuid4()))
    agency_id: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    added_by: Mapped[str] = mapped_column(String(200))
    added_at: Mapped[datetime] = mapped_column(default=utcnow)
    removed_by: Mapped[str | None] = mapped_column(String(200))
    removed_at: Mapped[datetime | None]


class CommitteeSession(Base):
    __tablename__ = "committee_sessions"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=lambda: str(uuid.uuid4()))
    agency_id: Mapped[str] = mapped_column(String(64), index=True)
    held_on: Mapped[date]
    title: Mapped[str] = mapped_column(String(200))
    agenda: Mapped[str] = mapped_column(String(4000), default="")
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AgendaItem(Base):
    """A placement or a candidate the committee reviews in a session (editable until decided)."""

    __tablename__ = "agenda_items"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=lambda: str(uuid.uuid4()))
    session_id: Mapped[str] = mapped_column(String(36), index=True)
    agency_id: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(20), doc="placement or candidate")
    nip: Mapped[str] = mapped_column(String(18))
    position_id: Mapped[str | None] = mapped_column(String(64))
    why: Mapped[str] = mapped_column(String(500))
    added_by: Mapped[str] = mapped_column(String(200))
    added_at: Mapped[datetime] = mapped_column(default=utcnow)


class Decision(Base):
    """An immutable committee decision: never updated; a correction is a new row that `supersedes` it."""

    __tablename__ = "committee_decisions"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=lambda: str(uuid.uuid4()))
    session_id: Mapped[str] = mapped_column(String(36), index=True)
    agency_id: Mapped[str] = mapped_column(String(64), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    nip: Mapped[str | None] = mapped_column(String(18))
    position_id: Mapped[str | None] = mapped_column(String(64))
    value: Mapped[str | None] = mapped_column(String(40))
    reason: Mapped[str] = mapped_column(String(4000))
    evidence: Mapped[list[str]] = mapped_column(JSON)
    decided_by: Mapped[str] = mapped_column(String(200))
    decided_at: Mapped[datetime]
    supersedes_id: Mapped[str | None] = mapped_column(String(36), unique=True)
    member_subjects: Mapped[list[str]] = mapped_column(JSON)


class SuccessionPlan(Base):
    """A key position's plan: its state (draft → reviewed → set) and the decisions that moved it."""

    __tablename__ = "succession_plans"

    position_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    agency_id: Mapped[str] = mapped_column(String(64), index=True)
    state: Mapped[str] = mapped_column(String(10), default="draft")
    rules_version: Mapped[int | None] = mapped_column(doc="eligibility rules version the candidates were judged by")
    reviewed_decision_id: Mapped[str | None] = mapped_column(String(36))
    set_decision_id: Mapped[str | None] = mapped_column(String(36))
    reopened_reason: Mapped[str | None] = mapped_column(
        String(2000), doc="why a reviewed or set plan went back to draft (its candidates changed)")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class PlanCandidate(Base):
    """A candidate in a plan: computed readiness, the committee's override, eligibility results."""

    __tablename__ = "plan_candidates"

    position_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    nip: Mapped[str] = mapped_column(String(18), primary_key=True)
    agency_id: Mapped[str] = mapped_column(String(64), index=True)
    box: Mapped[int]
    score: Mapped[float] = mapped_column(Float)
    computed_readiness: Mapped[str] = mapped_column(String(30))
    readiness: Mapped[str] = mapped_column(String(30), doc="the override when the committee set one")
    override_decision_id: Mapped[str | None] = mapped_column(String(36))
    status: Mapped[str] = mapped_column(String(10), default="proposed", doc="proposed, approved or rejected")
    status_decision_id: Mapped[str | None] = mapped_column(String(36))
    reasons: Mapped[list[str]] = mapped_column(JSON)
    eligibility: Mapped[list[dict[str, object]]] = mapped_column(JSON)
    rules_version: Mapped[int | None]
    active: Mapped[bool] = mapped_column(default=True, doc="false once they left the succession group")


class EligibilityRules(Base):
    """An agency's eligibility rules for a target position type; every change is a new version."""

    __tablename__ = "eligibility_rules"
    __table_args__ = (UniqueConstraint("agency_id", "position_type", "version"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=lambda: str(uuid.uuid4()))
    agency_id: Mapped[str] = mapped_column(String(64))
    position_type: Mapped[str] = mapped_column(String(40))
    version: Mapped[int]
    rules: Mapped[dict[str, object]] = mapped_column(JSON)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class DevelopmentPlan(Base):
    """An individual development plan (IDP) made after a placement: 70/20/10 interventions."""

    __tablename__ = "development_plans"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=lambda: str(uuid.uuid4()))
    nip: Mapped[str] = mapped_column(String(18), index=True)
    agency_id: Mapped[str] = mapped_column(String(64), index=True)
    placement_id: Mapped[str] = mapped_column(String(36), unique=True)
    box: Mapped[int]
    year: Mapped[int]
    target_competencies: Mapped[list[str]] = mapped_column(JSON)
    interventions: Mapped[list[dict[str, object]]] = mapped_column(JSON)
    created_at: Mapped[datetime]
    updated_by: Mapped[str | None] = mapped_column(String(200))
    updated_at: Mapped[datetime | None]


class RiskSignal(Base):
    """A succession risk that is (or was) present; one open row per condition, so it is signalled once."""

    __tablename__ = "risk_signals"
    __table_args__ = (Index("ix_risk_signals_condition", "position_id", "kind", "nip"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=lambda: str(uuid.uuid4()))
    agency_id: Mapped[str] = mapped_column(String(64), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    position_id: Mapped[str] = mapped_column(String(64))
    nip: Mapped[str] = mapped_column(String(18), default="", doc="'' when the condition is about the position")
    detail: Mapped[str] = mapped_column(String(1000))
    detected_at: Mapped[datetime]
    cleared_at: Mapped[datetime | None]
