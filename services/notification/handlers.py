"""Kafka subscribers of the notification service."""

from typing import cast

from sqlalchemy.ext.asyncio import AsyncSession

from services.notification import recipients, service
from services.notification.settings import NotificationSettings
from shared.events import Envelope
from shared.events.schemas import (
    AssessmentCompleted, CandidateNominated, CommitteeDecided, DataQualityChanged, ProfileRegistered, ProfileUpdated,
    ReadinessChanged, RiskSignaled, TalentReclassified,
)
from shared.events.topics import ASSESSMENT_EVENTS, PROFILE_EVENTS, SUCCESSION_EVENTS, TALENT_EVENTS
from shared.service_app import Runtime, Subscriptions


def subscriptions(runtime: Runtime) -> Subscriptions:
    settings = cast(NotificationSettings, runtime.settings)

    async def on_profile_registered(session: AsyncSession, envelope: Envelope) -> None:
        await recipients.remember_profile(session, envelope.payload(ProfileRegistered))

    async def on_profile_updated(session: AsyncSession, envelope: Envelope) -> None:
        await recipients.remember_profile(session, envelope.payload(ProfileUpdated))

    async def on_notifiable(session: AsyncSession, envelope: Envelope) -> None:
        await service.notify(session, runtime.outbox, settings, [envelope])

    return {
        PROFILE_EVENTS: {
            ProfileRegistered.event_type: on_profile_registered,
            ProfileUpdated.event_type: on_profile_updated,
            DataQualityChanged.event_type: on_notifiable,
        },
        TALENT_EVENTS: {TalentReclassified.event_type: on_notifiable},
        ASSESSMENT_EVENTS: {AssessmentCompleted.event_type: on_notifiable},
        SUCCESSION_EVENTS: {model.event_type: on_notifiable
                            for model in (CandidateNominated, ReadinessChanged, CommitteeDecided, RiskSignaled)},
    }
