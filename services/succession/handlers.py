"""Kafka subscribers of the succession service: profiles feed the read model; ratings and
assessments reclassify."""

from sqlalchemy.ext.asyncio import AsyncSession

from services.succession import service
from shared.events import Envelope
from shared.events.schemas import (
    AssessmentCompleted,
    PerformanceRated,
    PortfolioChanged,
    ProfileRegistered,
    ProfileUpdated,
)
from shared.events.topics import ASSESSMENT_EVENTS, PROFILE_EVENTS
from shared.service_app import Runtime, Subscriptions


def subscriptions(runtime: Runtime) -> Subscriptions:
    async def on_profile_registered(session: AsyncSession, envelope: Envelope) -> None:
        await service.remember_profile(session, envelope.payload(ProfileRegistered))

    async def on_profile_updated(session: AsyncSession, envelope: Envelope) -> None:
        await service.remember_profile(session, envelope.payload(ProfileUpdated))

    async def on_portfolio_changed(session: AsyncSession, envelope: Envelope) -> None:
        await service.remember_penalty(session, envelope)

    async def on_performance_rated(session: AsyncSession, envelope: Envelope) -> None:
        await service.apply_performance(session, runtime.outbox, envelope)

    async def on_assessment_completed(session: AsyncSession, envelope: Envelope) -> None:
        await service.apply_assessment(session, runtime.outbox, envelope)

    return {
        PROFILE_EVENTS: {
            ProfileRegistered.event_type: on_profile_registered,
            ProfileUpdated.event_type: on_profile_updated,
            PortfolioChanged.event_type: on_portfolio_changed,
        },
        ASSESSMENT_EVENTS: {
            PerformanceRated.event_type: on_performance_rated,
            AssessmentCompleted.event_type: on_assessment_completed,
        },
    }
