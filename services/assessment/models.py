import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from shared.imports.tables import import_tables
from shared.models import new_base, utcnow

Base = new_base()
metadata = Base.metadata
import_tables(metadata)


def new_id() -> str:
    return str(uuid.uuid4())


class KnownAsn(Base):
    """Read model of the profile service's ASN: who exists, their agency and current position."""

    __tablename__ = "known_asn"

    nip: Mapped[str] = mapped_column(String(18), primary_key=True)
    agency_id: Mapped[str] = mapped_column(String(64), index=True)
    name: Mapped[str] = mapped_column(String(200))
    position_type: Mapped[str | None] = mapped_column(String(40))
    position_code: Mapped[str | None] = mapped_column(String(64))
    position_title: Mapped[str | None] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Competency(Base):
    """The catalogue: national managerial, socio-cultural and CACT competencies, and agencies' technical ones."""

    __tablename__ = "competencies"
    __table_args__ = (UniqueConstraint("owner", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    owner: Mapped[str] = mapped_column(String(64), index=True)  # "national" or the agency id
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(20))  # managerial | socio_cultural | cact | technical
    description: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CompetencyStandard(Base):
    """Required level per competency for a position (by the agency's position code) or, as the default
    for positions without one, for a position type."""

    __tablename__ = "competency_standards"

    agency_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    scope: Mapped[str] = mapped_column(String(20), primary_key=True)  # position | position_type
    key: Mapped[str] = mapped_column(String(64), primary_key=True)  # the position code or position type
    title: Mapped[str | None] = mapped_column(String(200))
    requirements: Mapped[dict[str, int]] = mapped_column(JSON)
    updated_by: Mapped[str] = mapped_column(String(100))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class PerformanceRating(Base):
    """A yearly SKP rating (predikat kinerja)."""

    __tablename__ = "performance_ratings"
    __table_args__ = (UniqueConstraint("nip", "year"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    nip: Mapped[str] = mapped_column(String(18), index=True)
    agency_id: Mapped[str] = mapped_column(String(64), index=True)
    year: Mapped[int]
    hasil_kerja: Mapped[str | None] = mapped_column(String(10))
    perilaku_kerja: Mapped[str | None] = mapped_column(String(10))
    rating: Mapped[str] = mapped_column(String(20))
    recorded_by: Mapped[str] = mapped_column(String(100))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)


class PerformanceStanding(Base):
    """Each ASN's current performance level, as last published, and the policy that produced it."""

    __tablename__ = "performance_standings"

    nip: Mapped[str] = mapped_column(String(18), primary_key=True)
    agency_id: Mapped[str] = mapped_column(String(64), index=True)
    performance_level: Mapped[str] = mapped_column(String(30))
    years_considered: Mapped[list[int]] = mapped_column(JSON)
    average_score: Mapped[float] = mapped_column(Float)
    latest_year: Mapped[int]
    policy_version: Mapped[str] = mapped_column(String(80))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Assessment(Base):
    """One version of a competency assessment result. A correction or a re-evaluation under a new policy is
    a new version of the same `assessment_id`; a re-assessment is a new assessment. The row that superseded
    another is named in `superseded_by`; an ASN's current result is the one row not superseded."""

    __tablename__ = "assessments"
    __table_args__ = (
        UniqueConstraint("nip", "assessed_on", "method", "version"),
        Index("ix_assessments_agency_current", "agency_id", "nip", "superseded_by"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    assessment_id: Mapped[str] = mapped_column(String(36), index=True)
    version: Mapped[int] = mapped_column(Integer, server_default="1")
    change: Mapped[str] = mapped_column(String(20), server_default="original")  # original | correction | re_evaluation
    reason: Mapped[str | None] = mapped_column(Text)
    # by NIP: the unique constraint's index; by agency: ix_assessments_agency_current (fewer indexes to write)
    nip: Mapped[str] = mapped_column(String(18))
    agency_id: Mapped[str] = mapped_column(String(64))
    assessed_on: Mapped[date]
    method: Mapped[str] = mapped_column(String(30))
    assessor: Mapped[str] = mapped_column(String(200))
    potential_score: Mapped[float | None] = mapped_column(Float)
    competencies: Mapped[list[dict[str, Any]]] = mapped_column(JSON)  # as submitted: competency, achieved[, required]
    standard: Mapped[list[dict[str, Any]]] = mapped_column(JSON, server_default="[]")  # competency, required, group
    standard_source: Mapped[str] = mapped_column(String(120), server_default="request")
    target_position_code: Mapped[str | None] = mapped_column(String(64))
    fingerprint: Mapped[str] = mapped_column(String(64), server_default="")
    jpm: Mapped[float] = mapped_column(Float)
    potential_level: Mapped[str] = mapped_column(String(20))
    valid_until: Mapped[date]
    policy_version: Mapped[str] = mapped_column(String(80))
    superseded_by: Mapped[str | None] = mapped_column(String(36))
    recorded_by: Mapped[str] = mapped_column(String(100))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)


class PolicyVersion(Base):
    """An agency's assessment policy, one row per version, never changed: who, when, why."""

    __tablename__ = "policy_versions"

    agency_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    number: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[str] = mapped_column(String(80), unique=True)  # "<agency>-<number>", on every result
    rules: Mapped[dict[str, Any]] = mapped_column(JSON)
    reason: Mapped[str] = mapped_column(Text)
    changed_by: Mapped[str] = mapped_column(String(100))
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)


class ReevaluationJob(Base):
    """Re-evaluating an agency's ASN under a new policy version, in bounded batches (a cursor by NIP)."""

    __tablename__ = "reevaluation_jobs"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    agency_id: Mapped[str] = mapped_column(String(64), index=True)
    policy_version: Mapped[str] = mapped_column(String(80), ForeignKey("policy_versions.version"))
    state: Mapped[str] = mapped_column(String(20), index=True)  # queued | running | succeeded | superseded | failed
    total: Mapped[int] = mapped_column(Integer, default=0)
    processed: Mapped[int] = mapped_column(Integer, default=0)
    cursor: Mapped[str | None] = mapped_column(String(18))
    assessments_changed: Mapped[int] = mapped_column(Integer, default=0)
    performance_changed: Mapped[int] = mapped_column(Integer, default=0)
    events_emitted: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
