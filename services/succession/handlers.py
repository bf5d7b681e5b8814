"""Kafka subscribers of the succession service: profiles and portfolios feed the read model; ratings and
assessments reclassify. After each, the ASN's development plan (on a new placement) and their
candidacies for the agency's key positions follow, in the same transaction."""

from typing import cast

from sqlalchemy.ext.asyncio import AsyncSession

from services.succession import idps, plans, service
from services.succession.models import Placement
from services.succession.settings import SuccessionSettings
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
    settings = cast(SuccessionSettings, runtime.settings)

    async def follow_up(session: AsyncSession, envelope: Envelope, nip: str, agency_id: str,
                        placement: Placement | None = None) -> None:
        if placement is not None:
            await idps.plan_after_placement(session, placement)
        await plans.refresh_nip(session, plans.Context.from_event(runtime.outbox, settings, envelope), nip, agency_id)

    async def on_profile(session: AsyncSession, envelope: Envelope) -> None:
        model = ProfileRegistered if envelope.type == ProfileRegistered.event_type else ProfileUpdated
        asn = await service.remember_profile(session, envelope.payload(model))
        await follow_up(session, envelope, asn.nip, asn.agency_id)

    async def on_portfolio_changed(session: AsyncSession, envelope: Envelope) -> None:
        await service.remember_portfolio(session, envelope)
        data = envelope.payload(PortfolioChanged)
        await follow_up(session, envelope, data.nip, data.agency_id)

    async def on_performance_rated(session: AsyncSession, envelope: Envelope) -> None:
        placement = await service.apply_performance(session, runtime.outbox, envelope)
        data = envelope.payload(PerformanceRated)
        await follow_up(session, envelope, data.nip, data.agency_id, placement)

    async def on_assessment_completed(session: AsyncSession, envelope: Envelope) -> None:
        placement = await service.apply_assessment(session, runtime.outbox, envelope)
        data = envelope.payload(AssessmentCompleted)
        await follow_up(session, envelope, data.nip, data.agency_id, placement)

    return {
        PROFILE_EVENTS: {
            ProfileRegistered.event_type: on_profile,
            ProfileUpdated.event_type: on_profile,
            PortfolioChanged.event_type: on_portfolio_changed,
        },
        ASSESSMENT_EVENTS: {
            PerformanceRated.event_type: on_performance_rated,
            AssessmentCompleted.event_type: on_assessment_completed,
        },
    }
