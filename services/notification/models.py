from datetime import datetime

from sqlalchemy import Boolean, Float, Index, Integer, String, Text, UniqueConstraint, text
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


class Delivery(Base):
    """One notification on one channel: exactly one per (source event, recipient, channel).

    `recipient` is an ASN's NIP, `contact:<id>` for an agency contact, `webhook:<id>` for an endpoint,
    or `agency:<id>/<role>` when an event named a role nobody holds (recorded failed, with the reason).
    """

    __tablename__ = "deliveries"
    __table_args__ = (
        UniqueConstraint("source_event_id", "recipient", "channel"),
        # only what the worker scans: inbox rows (delivered at once) never enter this index
        Index("ix_deliveries_due", "next_attempt_at", postgresql_where=text("status IN ('pending', 'sending')"),
              sqlite_where=text("status IN ('pending', 'sending')")),
        Index("ix_deliveries_agency", "agency_id", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # the notification id (deterministic)
    source_event_id: Mapped[str] = mapped_column(String(36))
    event_type: Mapped[str] = mapped_column(String(100))
    agency_id: Mapped[str] = mapped_column(String(64))
    recipient: Mapped[str] = mapped_column(String(200), index=True)
    channel: Mapped[str] = mapped_column(String(10))  # inbox / email / webhook
    address: Mapped[str | None] = mapped_column(String(500))  # email address or endpoint URL
    language: Mapped[str] = mapped_column(String(2), default="id")
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)  # the email text, or the webhook's JSON body
    template_version: Mapped[str] = mapped_column(String(60))
    note: Mapped[str | None] = mapped_column(Text)  # e.g. a template fallback, and why
    status: Mapped[str] = mapped_column(String(10))  # pending / sending / delivered / failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None]
    digest_key: Mapped[str | None] = mapped_column(String(40))  # the day of a daily email digest
    last_error: Mapped[str | None] = mapped_column(Text)
    trace_carrier: Mapped[str] = mapped_column(Text, default="{}")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    delivered_at: Mapped[datetime | None]


class Contact(Base):
    """A person an agency registers to be told about agency-level events (HR admins, committee members)."""

    __tablename__ = "contacts"
    __table_args__ = (UniqueConstraint("agency_id", "subject", "role"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    agency_id: Mapped[str] = mapped_column(String(64), index=True)
    subject: Mapped[str] = mapped_column(String(200))  # the person's user id (the JWT `sub`)
    role: Mapped[str] = mapped_column(String(20))  # hr_admin / talent_committee
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254))
    language: Mapped[str] = mapped_column(String(2), default="id")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class WebhookEndpoint(Base):
    """An agency's (portal's) endpoint: every notification of the agency is POSTed to it, signed."""

    __tablename__ = "webhook_endpoints"
    __table_args__ = (UniqueConstraint("agency_id", "url"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    agency_id: Mapped[str] = mapped_column(String(64), index=True)
    url: Mapped[str] = mapped_column(String(500))
    secret: Mapped[str] = mapped_column(String(200))
    event_types: Mapped[str] = mapped_column(Text, default="[]")  # JSON list; empty = every type
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Preference(Base):
    """An ASN's choices: language, channels switched off per category, and the daily email digest."""

    __tablename__ = "preferences"

    nip: Mapped[str] = mapped_column(String(18), primary_key=True)
    language: Mapped[str] = mapped_column(String(2), default="id")
    disabled: Mapped[str] = mapped_column(Text, default="[]")  # JSON list of "category/channel"
    email_digest: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class AgencySettings(Base):
    """Per-agency notification policy; an agency without a row gets the defaults."""

    __tablename__ = "agency_settings"

    agency_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    data_quality_threshold: Mapped[float] = mapped_column(Float)
    data_quality_period_days: Mapped[int] = mapped_column(Integer)
    updated_by: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class DataQualityReminder(Base):
    """When an ASN was last asked to update their data (at most once per the agency's period)."""

    __tablename__ = "data_quality_reminders"

    nip: Mapped[str] = mapped_column(String(18), primary_key=True)
    last_reminded_at: Mapped[datetime]
    source_event_id: Mapped[str] = mapped_column(String(36))
