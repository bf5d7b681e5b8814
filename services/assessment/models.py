import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Float, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from shared.models import new_base, utcnow

Base = new_base()
metadata = Base.metadata


class KnownAsn(Base):
    """Read model of the profile service's ASN: who exists and which agency they belong to."""

    __tablename__ = "known_asn"

    nip: Mapped[str] = mapped_column(String(18), primary_key=True)
    agency_id: Mapped[str] = mapped_column(String(64), index=True)
    name: Mapped[str] = mapped_column(String(200))
    position_type: Mapped[str | None] = mapped_column(String(40))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class PerformanceRating(Base):
    """A yearly SKP rating (predikat kinerja)."""

    __tablename__ = "performance_ratings"
    __table_args__ = (UniqueConstraint("nip", "year"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=lambda: str(uuid.uuid4()))
    nip: Mapped[str] = mapped_column(String(18), index=True)
    agency_id: Mapped[str] = mapped_column(String(64), index=True)
    year: Mapped[int]
    hasil_kerja: Mapped[str | None] = mapped_column(String(10))
    perilaku_kerja: Mapped[str | None] = mapped_column(String(10))
    rating: Mapped[str] = mapped_column(String(20))
    recorded_by: Mapped[str] = mapped_column(String(100))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)


class Assessment(Base):
    """A competency assessment result with its computed job-person match and potential level."""

    __tablename__ = "assessments"
    __table_args__ = (UniqueConstraint("nip", "assessed_on", "method"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=lambda: str(uuid.uuid4()))
    nip: Mapped[str] = mapped_column(String(18), index=True)
    agency_id: Mapped[str] = mapped_column(String(64), index=True)
    assessed_on: Mapped[date]
    method: Mapped[str] = mapped_column(String(30))
    assessor: Mapped[str] = mapped_column(String(200))
    competencies: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    jpm: Mapped[float] = mapped_column(Float)
    potential_level: Mapped[str] = mapped_column(String(20))
    valid_until: Mapped[date]
    policy_version: Mapped[str] = mapped_column(String(40))
    recorded_by: Mapped[str] = mapped_column(String(100))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
