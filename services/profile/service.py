"""Profile use cases: one transaction = the change + its events in the outbox."""

from sqlalchemy.ext.asyncio import AsyncSession

from services.profile.models import Agency, Profile, Unit
from services.profile.schemas import AgencyIn, ProfileIn, UnitIn
from shared.errors import Problem, field_error
from shared.events.schemas import ProfileRegistered
from shared.outbox import Outbox


async def register_profile(session: AsyncSession, outbox: Outbox, data: ProfileIn) -> Profile:
    async with session.begin():
        if await session.get(Agency, data.agency_id) is None:
            raise field_error("agency_id", f"unknown agency {data.agency_id!r}")
        if data.unit_id is not None:
            unit = await session.get(Unit, data.unit_id)
            if unit is None or unit.agency_id != data.agency_id:
                raise field_error("unit_id", f"no unit {data.unit_id!r} in agency {data.agency_id}")
        if await session.get(Profile, data.nip) is not None:
            raise Problem(409, "Duplicate NIP", f"A profile with NIP {data.nip} already exists.",
                          errors=[{"field": "nip", "message": "already registered"}])
        profile = Profile(**data.model_dump(mode="python"))
        session.add(profile)
        await session.flush()
        await outbox.emit(session, ProfileRegistered(**data.model_dump()), subject=data.nip)
    return profile


async def register_agency(session: AsyncSession, data: AgencyIn) -> Agency:
    async with session.begin():
        if await session.get(Agency, data.id) is not None:
            raise Problem(409, "Duplicate agency", f"Agency {data.id} already exists.",
                          errors=[{"field": "id", "message": "already registered"}])
        agency = Agency(**data.model_dump())
        session.add(agency)
    return agency


async def add_unit(session: AsyncSession, agency_id: str, data: UnitIn) -> Unit:
    async with session.begin():
        if await session.get(Agency, agency_id) is None:
            raise Problem(404, "Not found", f"No agency {agency_id}.")
        if await session.get(Unit, data.id) is not None:
            raise Problem(409, "Duplicate unit", f"Unit {data.id} already exists.",
                          errors=[{"field": "id", "message": "already registered"}])
        if data.parent_id is not None:
            parent = await session.get(Unit, data.parent_id)
            if parent is None or parent.agency_id != agency_id:
                raise field_error("parent_id", f"no unit {data.parent_id!r} in agency {agency_id}")
        unit = Unit(agency_id=agency_id, **data.model_dump())
        session.add(unit)
    return unit
