import uuid
from datetime import date, datetime

from sqlalchemy import JSON, Float, Index, String
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


class Placement(Base):
    """One nine-box placement (or an unmapped state) with the inputs that produced it; history is kept."""

    __tablename__ = "placements"
    __table_args__ = (Index("ix_placements_nip_placed", "nip", "placed_at"),)

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
