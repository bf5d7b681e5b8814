from datetime import date, datetime

from sqlalchemy import JSON, Float, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from shared.imports.tables import import_tables
from shared.models import new_base, utcnow
from shared.tables import BigId

Base = new_base()
metadata = Base.metadata
import_tables(metadata)


class Profile(Base):
    """An ASN (PNS or PPPK), identified by NIP."""

    __tablename__ = "profiles"

    nip: Mapped[str] = mapped_column(String(18), primary_key=True)
    agency_id: Mapped[str] = mapped_column(ForeignKey("agencies.id"), index=True)
    unit_id: Mapped[str | None] = mapped_column(ForeignKey("units.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    sex: Mapped[str] = mapped_column(String(6))
    birth_date: Mapped[date]
    email: Mapped[str | None] = mapped_column(String(254))
    employment_status: Mapped[str] = mapped_column(String(4), default="pns", server_default="pns")
    position_type: Mapped[str | None] = mapped_column(String(40))
    position_code: Mapped[str | None] = mapped_column(String(64))
    position_title: Mapped[str | None] = mapped_column(String(200))
    golongan: Mapped[str | None] = mapped_column(String(5))
    data_quality: Mapped[float | None] = mapped_column(Float, index=True)
    data_quality_failed: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Agency(Base):
    """An instansi: ministry, province, regency (kabupaten) or city (kota); each runs its own talent management."""

    __tablename__ = "agencies"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    time_zone: Mapped[str] = mapped_column(String(4))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Unit(Base):
    """A unit kerja (work unit) of an agency."""

    __tablename__ = "units"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    agency_id: Mapped[str] = mapped_column(ForeignKey("agencies.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    parent_id: Mapped[str | None] = mapped_column(ForeignKey("units.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class PositionHeld(Base):
    """A position (jabatan) an ASN held from `start_date` (TMT jabatan); effective-dated, never overwritten."""

    __tablename__ = "position_history"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    nip: Mapped[str] = mapped_column(ForeignKey("profiles.nip"), index=True)
    position_type: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(200))
    code: Mapped[str | None] = mapped_column(String(64))
    unit_id: Mapped[str | None] = mapped_column(ForeignKey("units.id"))
    start_date: Mapped[date]
    recorded_by: Mapped[str] = mapped_column(String(100))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)


class RankHeld(Base):
    """A golongan/pangkat an ASN held from `tmt`; effective-dated, never overwritten."""

    __tablename__ = "rank_history"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    nip: Mapped[str] = mapped_column(ForeignKey("profiles.nip"), index=True)
    golongan: Mapped[str] = mapped_column(String(5))
    tmt: Mapped[date]
    recorded_by: Mapped[str] = mapped_column(String(100))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)


class PortfolioItem(Base):
    """One portfolio entry (education, training, award, penalty, certification, career aspiration)."""

    __tablename__ = "portfolio_items"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    nip: Mapped[str] = mapped_column(ForeignKey("profiles.nip"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    data: Mapped[dict[str, object]] = mapped_column(JSON)
    recorded_by: Mapped[str] = mapped_column(String(100))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
