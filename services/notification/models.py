from datetime import datetime

from sqlalchemy import String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from shared.models import new_base, utcnow
from shared.tables import BigId

Base = new_base()
metadata = Base.metadata


class Recipient(Base):
    """Read model of the profile service's ASN: who can be told, and how."""

    __tablename__ = "recipients"

    nip: Mapped[str] = mapped_column(String(18), primary_key=True)
    agency_id: Mapped[str] = mapped_column(String(64), index=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(254))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class InboxMessage(Base):
    """An in-app message; exactly one per (source event, recipient, channel)."""

    __tablename__ = "inbox_messages"
    __table_args__ = (UniqueConstraint("source_event_id", "nip", "channel"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    nip: Mapped[str] = mapped_column(String(18), index=True)
    agency_id: Mapped[str] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(10), default="in_app")
    source_event_id: Mapped[str] = mapped_column(String(36))
    event_type: Mapped[str] = mapped_column(String(100))
    title_id: Mapped[str] = mapped_column(String(300))
    body_id: Mapped[str] = mapped_column(Text)
    title_en: Mapped[str] = mapped_column(String(300))
    body_en: Mapped[str] = mapped_column(Text)
    template_version: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None]
