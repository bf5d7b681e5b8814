"""Kafka subscribers of the succession service: profiles and portfolios feed the read model; ratings and
assessments reclassify. After each, the ASN's development plan (on a new placement) and their
candidacies for the agency's key positions follow, in the same transaction. Ratings and assessments
about an ASN with no profile yet are parked until it arrives (parking.py).

The high-volume types (profile snapshots, ratings, assessments) are handled set-based: a run of
consecutive events of one type costs a few queries, not a few per event, and is applied in order
exactly as one event at a time would be (the consumer calls the same handler with one event when it
isolates a failing record)."""

from collections.abc import Sequence
from typing import cast

from sqlalchemy.ext.asyncio import AsyncSession

from services.succession import parking, plans, service
from services.succession.settings import SuccessionSettings
from shared.consumer import Routes
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
    async def on_profiles(session: AsyncSession, envelopes: Sequence[Envelope]) -> None:
        model = ProfileRegistered if envelopes[0].type == ProfileRegistered.event_type else ProfileUpdated
        known = await service.remember_profiles(session, [e.payload(model) for e in envelopes])
        parked = await parking.release_on_arrival(session, {asn.nip for asn in known})  # their events that came first
        await service.apply_axes_events(session, runtime.outbox, parked)
        await _follow_up(session, runtime, envelopes, [(asn.nip, asn.agency_id) for asn in known])

    async def on_portfolio_changed(session: AsyncSession, envelope: Envelope) -> None:
        await service.remember_portfolio(session, envelope)
        data = envelope.payload(PortfolioChanged)
        await _follow_up(session, runtime, [envelope], [(data.nip, data.agency_id)])

    async def on_axes_events(session: AsyncSession, envelopes: Sequence[Envelope]) -> None:
        await reclassify(session, runtime, envelopes)

    return {
        PROFILE_EVENTS: Routes(
            handlers={PortfolioChanged.event_type: on_portfolio_changed},
            batch_handlers={ProfileRegistered.event_type: on_profiles, ProfileUpdated.event_type: on_profiles},
        ),
        ASSESSMENT_EVENTS: Routes(
            handlers={},
            batch_handlers={PerformanceRated.event_type: on_axes_events, AssessmentCompleted.event_type: on_axes_events},
        ),
    }


async def reclassify(session: AsyncSession, runtime: Runtime, envelopes: Sequence[Envelope]) -> None:
    """Ratings and assessments (consumed, or released from the parking by the sweep) applied in order,
    then the candidacies of the ASN they are about."""
    await service.apply_axes_events(session, runtime.outbox, envelopes)
    await _follow_up(session, runtime, envelopes, _people(envelopes))


async def _follow_up(session: AsyncSession, runtime: Runtime, envelopes: Sequence[Envelope],
                     people: Sequence[tuple[str, str]]) -> None:
    ctx = plans.Context.from_event(runtime.outbox, cast(SuccessionSettings, runtime.settings), envelopes[-1])
    await plans.refresh_people(session, ctx, people)


def _people(envelopes: Sequence[Envelope]) -> list[tuple[str, str]]:
    """(nip, agency) of each event about an ASN (keyed by NIP; the payload names the agency)."""
    return [(envelope.subject, str(envelope.data["agency_id"])) for envelope in envelopes]
