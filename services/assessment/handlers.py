"""Kafka subscribers of the assessment service: profile snapshots feed the read model of ASN."""

from sqlalchemy.ext.asyncio import AsyncSession

from services.assessment.service import remember_profile
from shared.events import Envelope
from shared.events.schemas import ProfileRegistered, ProfileUpdated
from shared.events.topics import PROFILE_EVENTS
from shared.service_app import Runtime, Subscriptions


def subscriptions(runtime: Runtime) -> Subscriptions:
    async def on_profile_registered(session: AsyncSession, envelope: Envelope) -> None:
        await remember_profile(session, envelope.payload(ProfileRegistered))

    async def on_profile_updated(session: AsyncSession, envelope: Envelope) -> None:
        await remember_profile(session, envelope.payload(ProfileUpdated))

    return {PROFILE_EVENTS: {
        ProfileRegistered.event_type: on_profile_registered,
        ProfileUpdated.event_type: on_profile_updated,
    }}
