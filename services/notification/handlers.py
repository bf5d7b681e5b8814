"""Kafka subscribers of the notification service."""

from sqlalchemy.ext.asyncio import AsyncSession

from services.notification import service
from shared.events import Envelope
from shared.events.schemas import AssessmentCompleted, ProfileRegistered, ProfileUpdated, TalentReclassified
from shared.events.topics import ASSESSMENT_EVENTS, PROFILE_EVENTS, TALENT_EVENTS
from shared.service_app import Runtime, Subscriptions


def subscriptions(runtime: Runtime) -> Subscriptions:
    async def on_profile_registered(session: AsyncSession, envelope: Envelope) -> None:
        await service.remember_profile(session, envelope.payload(ProfileRegistered))

    async def on_profile_updated(session: AsyncSession, envelope: Envelope) -> None:
        await service.remember_profile(session, envelope.payload(ProfileUpdated))

    async def on_talent_reclassified(session: AsyncSession, envelope: Envelope) -> None:
        await service.notify_reclassified(session, envelope)

    async def on_assessment_completed(session: AsyncSession, envelope: Envelope) -> None:
        await service.notify_assessment_completed(session, envelope)

    return {
        PROFILE_EVENTS: {
            ProfileRegistered.event_type: on_profile_registered,
            ProfileUpdated.event_type: on_profile_updated,
        },
        TALENT_EVENTS: {TalentReclassified.event_type: on_talent_reclassified},
        ASSESSMENT_EVENTS: {AssessmentCompleted.event_type: on_assessment_completed},
    }
