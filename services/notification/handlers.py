"""Kafka subscribers of the notification service. Notifying events are handled set-based: a run of
consecutive new notifying events becomes one INSERT of inbox rows and one of deliveries."""

from collections.abc import Sequence
from typing import cast

from sqlalchemy.ext.asyncio import AsyncSession

from services.notification import recipients, service
from services.notification.settings import NotificationSettings
from shared.consumer import BatchHandler, Routes
from shared.events import Envelope, EventData
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

    async def on_notifiable(session: AsyncSession, envelopes: Sequence[Envelope]) -> None:
        await service.notify(session, runtime.outbox, settings, envelopes)

    def notifying(*models: type[EventData]) -> dict[str, BatchHandler]:
        return {model.event_type: on_notifiable for model in models}

    return {
        PROFILE_EVENTS: Routes(
            handlers={ProfileRegistered.event_type: on_profile_registered,
                      ProfileUpdated.event_type: on_profile_updated},
            batch_handlers=notifying(DataQualityChanged)),
        TALENT_EVENTS: Routes(handlers={}, batch_handlers=notifying(TalentReclassified)),
        ASSESSMENT_EVENTS: Routes(handlers={}, batch_handlers=notifying(AssessmentCompleted)),
        SUCCESSION_EVENTS: Routes(handlers={}, batch_handlers=notifying(
            CandidateNominated, ReadinessChanged, CommitteeDecided, RiskSignaled)),
    }
