"""Data-quality reminders: 'please update your data' when the score is below the agency's threshold,
at most once per the agency's period (judged against the event's time, so replay gives the same)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from services.notification.domain import reminder_due
from services.notification.models import AgencySettings, DataQualityReminder
from services.notification.settings import NotificationSettings
from shared.events import Envelope
from shared.events.schemas import DataQualityChanged


async def policy(session: AsyncSession, settings: NotificationSettings, agency_id: str) -> tuple[float, int]:
    row = await session.get(AgencySettings, agency_id)
    if row is None:
        return settings.data_quality_threshold, settings.data_quality_period_days
    return row.data_quality_threshold, row.data_quality_period_days


async def due(session: AsyncSession, settings: NotificationSettings, envelope: Envelope,
              event: DataQualityChanged) -> bool:
    """True (and the reminder recorded) when this event should remind the ASN."""
    threshold, period = await policy(session, settings, event.agency_id)
    last = await session.get(DataQualityReminder, event.nip)
    if not reminder_due(event.score, threshold, last.last_reminded_at if last else None, envelope.occurred_at, period):
        return False
    if last is None:
        session.add(DataQualityReminder(nip=event.nip, last_reminded_at=envelope.occurred_at,
                                        source_event_id=str(envelope.event_id)))
        await session.flush()  # the next event of the same run finds it
    else:
        last.last_reminded_at, last.source_event_id = envelope.occurred_at, str(envelope.event_id)
    return True
