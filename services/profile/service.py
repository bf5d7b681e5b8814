"""Profile use cases: one transaction = the change + its events in the outbox."""

from sqlalchemy.ext.asyncio import AsyncSession

from services.profile.models import Profile
from services.profile.schemas import ProfileIn
from shared.errors import Problem
from shared.events.schemas import ProfileRegistered
from shared.outbox import Outbox


async def register_profile(session: AsyncSession, outbox: Outbox, data: ProfileIn) -> Profile:
    async with session.begin():
        if await session.get(Profile, data.nip) is not None:
            raise Problem(409, "Duplicate NIP", f"A profile with NIP {data.nip} already exists.",
                          errors=[{"field": "nip", "message": "already registered"}])
        profile = Profile(**data.model_dump(mode="python"))
        session.add(profile)
        await session.flush()
        await outbox.emit(session, ProfileRegistered(**data.model_dump()), subject=data.nip)
    return profile
