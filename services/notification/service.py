"""Notification use cases: keep recipients current; turn events into inbox messages, once each."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from services.notification import templates
from services.notification.models import InboxMessage, Recipient
from shared.db import insert_for
from shared.events import Envelope
from shared.events.schemas import AssessmentCompleted, ProfileSnapshot, TalentReclassified


async def remember_profile(session: AsyncSession, snapshot: ProfileSnapshot) -> None:
    recipient = await session.get(Recipient, snapshot.nip)
    if recipient is None:
        session.add(Recipient(nip=snapshot.nip, agency_id=snapshot.agency_id, name=snapshot.name,
                              email=snapshot.email))
    else:
        recipient.agency_id, recipient.name, recipient.email = snapshot.agency_id, snapshot.name, snapshot.email


async def notify_reclassified(session: AsyncSession, envelope: Envelope) -> None:
    event = envelope.payload(TalentReclassified)
    recipient = await session.get(Recipient, event.nip)
    rendered = templates.talent_reclassified(event, recipient.name if recipient else None)
    await _write_inbox(session, envelope, event.nip, event.agency_id, rendered)


async def notify_assessment_completed(session: AsyncSession, envelope: Envelope) -> None:
    event = envelope.payload(AssessmentCompleted)
    recipient = await session.get(Recipient, event.nip)
    rendered = templates.assessment_completed(event, recipient.name if recipient else None)
    await _write_inbox(session, envelope, event.nip, event.agency_id, rendered)


async def _write_inbox(session: AsyncSession, envelope: Envelope, nip: str, agency_id: str,
                       rendered: dict[str, templates.Rendered]) -> None:
    """One in-app message per (source event, recipient): a redelivered event writes nothing new."""
    await session.execute(
        insert_for(session, InboxMessage)
        .values(
            nip=nip, agency_id=agency_id, channel="in_app", source_event_id=str(envelope.event_id),
            event_type=envelope.type, title_id=rendered["id"].title, body_id=rendered["id"].body,
            title_en=rendered["en"].title, body_en=rendered["en"].body,
            template_version=templates.TEMPLATE_VERSIONS[envelope.type],
        )
        .on_conflict_do_nothing(index_elements=["source_event_id", "nip", "channel"])
    )
