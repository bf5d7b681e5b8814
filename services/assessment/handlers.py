"""Kafka subscribers of the assessment service: profile snapshots feed the read model of ASN, set-based
(a bulk profile import publishes a snapshot per ASN; a run of them is one read and one write here)."""

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from services.assessment.service import remember_profiles
from shared.consumer import Routes
from shared.events import Envelope
from shared.events.schemas import ProfileRegistered, ProfileUpdated
from shared.events.topics import PROFILE_EVENTS
from shared.service_app import Runtime, Subscriptions


def subscriptions(runtime: Runtime) -> Subscriptions:
    async def on_registered(session: AsyncSession, envelopes: Sequence[Envelope]) -> None:
        await remember_profiles(session, [e.payload(ProfileRegistered) for e in envelopes])

    async def on_updated(session: AsyncSession, envelopes: Sequence[Envelope]) -> None:
        await remember_profiles(session, [e.payload(ProfileUpdated) for e in envelopes])

    return {PROFILE_EVENTS: Routes(handlers={}, batch_handlers={
        ProfileRegistered.event_type: on_registered,
        ProfileUpdated.event_type: on_updated,
    })}
