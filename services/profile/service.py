"""Profile use cases: one transaction = the change + its events in the outbox."""

from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, date, datetime

from typing import Any

from sqlalchemy import Row, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import flag_modified

from services.profile import data_quality
from services.profile.domain import current_entry, golongan_fits
from services.profile.models import Agency, PortfolioItem, PositionHeld, Profile, RankHeld, Unit
from services.profile.portfolio import HR_ONLY_KINDS, PortfolioEntry, Training, training_hours_by_year
from services.profile.schemas import AgencyIn, PositionIn, ProfileIn, ProfilePatch, RankIn, UnitIn
from shared.auth import Principal, Role
from shared.errors import Problem, field_error
from shared.events.schemas import (
    DataQualityChanged, PortfolioChanged, PositionSpell, ProfileRegistered, ProfileUpdated,
)
from shared.outbox import Outbox

SNAPSHOT_FIELDS = ("nip", "agency_id", "unit_id", "name", "sex", "birth_date", "email", "employment_status", "position_type",
                   "position_code", "position_title", "golongan")


async def _snapshot(session: AsyncSession, profile: Profile) -> dict[str, object]:
    """The profile as its events carry it, with its position history (for eligibility rules downstream)."""
    history = (await session.execute(
        select(PositionHeld.position_type, PositionHeld.title, PositionHeld.start_date)
        .where(PositionHeld.nip == profile.nip).order_by(PositionHeld.start_date, PositionHeld.id))).all()
    return {**{field: getattr(profile, field) for field in SNAPSHOT_FIELDS}, "positions": position_spells(history)}


def position_spells(history: Sequence[tuple[str, str | None, date]]) -> list[PositionSpell]:
    """(type, title, start) oldest first → spells, each ending where the next one starts."""
    return [PositionSpell(position_type=kind, title=title, start_date=start,
                          end_date=history[i + 1][2] if i + 1 < len(history) else None)
            for i, (kind, title, start) in enumerate(history)]


async def _refresh_data_quality(session: AsyncSession, outbox: Outbox, profile: Profile) -> None:
    await refresh_data_quality(session, outbox, [profile])


async def refresh_data_quality(session: AsyncSession, outbox: Outbox, profiles: Sequence[Profile], *,
                               changed: bool = True, now: datetime | None = None) -> None:
    """Recompute the index after a change, in the change's transaction; publish it where it moved.
    Set-based: three queries whatever the number of profiles. With `changed=False` (the periodic
    timeliness sweep) nothing of the profile changed: its last update stays what it was."""
    now = now or datetime.now(UTC)
    nips = [profile.nip for profile in profiles]
    starts, tmts, kinds = defaultdict(list), defaultdict(list), defaultdict(set)
    for nip, start in await session.execute(select(PositionHeld.nip, PositionHeld.start_date).where(PositionHeld.nip.in_(nips))):
        starts[nip].append(start)
    for nip, tmt in await session.execute(select(RankHeld.nip, RankHeld.tmt).where(RankHeld.nip.in_(nips))):
        tmts[nip].append(tmt)
    for nip, kind in await session.execute(
            select(PortfolioItem.nip, PortfolioItem.kind).where(PortfolioItem.nip.in_(nips)).distinct()):
        kinds[nip].add(kind)
    events = []
    for profile in profiles:
        quality = data_quality.assess(data_quality.ProfileFacts(
            nip=profile.nip, name=profile.name, sex=profile.sex, birth_date=profile.birth_date, email=profile.email,
            unit_id=profile.unit_id, position_type=profile.position_type, golongan=profile.golongan,
            employment_status=profile.employment_status, positions_start=starts[profile.nip], ranks_tmt=tmts[profile.nip],
            portfolio_kinds=frozenset(kinds[profile.nip]), last_updated=now if changed else profile.updated_at,
        ), now=now)
        previous = profile.data_quality
        profile.data_quality, profile.data_quality_failed = quality.score, failed_checks(quality)
        if not changed:
            flag_modified(profile, "updated_at")  # written as it was, so the column's onupdate does not fire
        if previous != quality.score:
            events.append((quality_changed(profile.nip, profile.agency_id, profile.unit_id, quality, previous),
                           profile.nip))
    await outbox.emit_many(session, events)


def failed_checks(quality: data_quality.DataQuality) -> list[dict[str, str]]:
    return [{"dimension": c.dimension, "check": c.code, "message": c.message} for c in quality.failed]


def quality_changed(nip: str, agency_id: str, unit_id: str | None, quality: data_quality.DataQuality,
                    previous: float | None) -> DataQualityChanged:
    return DataQualityChanged(
        nip=nip, agency_id=agency_id, unit_id=unit_id, score=quality.score, previous_score=previous,
        dimensions=quality.dimensions, failed_checks=[c.code for c in quality.failed],
        policy_version=data_quality.POLICY_VERSION,
    )


async def register_profile(session: AsyncSession, outbox: Outbox, data: ProfileIn) -> Profile:
    async with session.begin():
        if await session.get(Agency, data.agency_id) is None:
            raise field_error("agency_id", f"unknown agency {data.agency_id!r}")
        await _check_unit(session, data.unit_id, data.agency_id)
        if await session.get(Profile, data.nip) is not None:
            raise Problem(409, "Duplicate NIP", f"A profile with NIP {data.nip} already exists.",
                          errors=[{"field": "nip", "message": "already registered"}])
        profile = Profile(**data.model_dump(mode="python"))
        session.add(profile)
        await session.flush()
        await outbox.emit(session, ProfileRegistered(**await _snapshot(session, profile)), subject=data.nip)
        await _refresh_data_quality(session, outbox, profile)
    return profile


async def visible_profile_row(session: AsyncSession, nip: str, principal: Principal) -> Row[Any]:
    """`visible_profile` for a read: the row alone (a Core SELECT, no ORM object to build)."""
    profiles = Profile.__table__
    row = (await (await session.connection()).execute(select(profiles).where(profiles.c.nip == nip))).one_or_none()
    _ensure_visible(nip, row.agency_id if row else None, principal)
    return row  # type: ignore[return-value]


async def visible_profile(session: AsyncSession, nip: str, principal: Principal) -> Profile:
    """The profile, if the caller may see it (themselves, their agency, or BKN); else 404, revealing nothing."""
    profile = await session.get(Profile, nip)
    _ensure_visible(nip, profile.agency_id if profile else None, principal)
    return profile  # type: ignore[return-value]


def _ensure_visible(nip: str, agency_id: str | None, principal: Principal) -> None:
    if agency_id is None or not principal.can_see_person(nip, agency_id):
        raise Problem(404, "Not found", f"No profile with NIP {nip} that you may see.")


async def _check_unit(session: AsyncSession, unit_id: str | None, agency_id: str) -> None:
    if unit_id is not None:
        unit = await session.get(Unit, unit_id)
        if unit is None or unit.agency_id != agency_id:
            raise field_error("unit_id", f"no unit {unit_id!r} in agency {agency_id}")


async def record_position(
    session: AsyncSession, outbox: Outbox, nip: str, data: PositionIn, principal: Principal
) -> PositionHeld:
    """Add a position to the ASN's history; the one in force today becomes their current position."""
    async with session.begin():
        profile = await visible_profile(session, nip, principal)
        await _check_unit(session, data.unit_id, profile.agency_id)
        held = PositionHeld(nip=nip, recorded_by=principal.subject, **data.model_dump())
        session.add(held)
        await session.flush()
        history = (await session.scalars(select(PositionHeld).where(PositionHeld.nip == nip))).all()
        current = current_entry(((p.start_date, p.id, p) for p in history), today=date.today())
        if current is not None:
            profile.position_type, profile.unit_id = current.position_type, current.unit_id or profile.unit_id
            profile.position_code, profile.position_title = current.code, current.title
        await outbox.emit(session, ProfileUpdated(**await _snapshot(session, profile)), subject=nip)
        await _refresh_data_quality(session, outbox, profile)
    return held


async def record_rank(session: AsyncSession, outbox: Outbox, nip: str, data: RankIn, principal: Principal) -> RankHeld:
    """Add a rank to the ASN's history; the one in force today becomes their current golongan."""
    async with session.begin():
        profile = await visible_profile(session, nip, principal)
        if not golongan_fits(data.golongan, profile.employment_status):
            raise field_error("golongan", f"{data.golongan} is not a {profile.employment_status.upper()} golongan")
        held = RankHeld(nip=nip, recorded_by=principal.subject, **data.model_dump())
        session.add(held)
        await session.flush()
        history = (await session.scalars(select(RankHeld).where(RankHeld.nip == nip))).all()
        current = current_entry(((r.tmt, r.id, r) for r in history), today=date.today())
        if current is not None:
            profile.golongan = current.golongan
        await outbox.emit(session, ProfileUpdated(**await _snapshot(session, profile)), subject=nip)
        await _refresh_data_quality(session, outbox, profile)
    return held


async def patch_profile(
    session: AsyncSession, outbox: Outbox, nip: str, patch: ProfilePatch, principal: Principal
) -> Profile:
    """HR admins correct name and email; an ASN keeps their own email current (pemutakhiran mandiri)."""
    changes = patch.model_dump(exclude_unset=True)
    async with session.begin():
        profile = await visible_profile(session, nip, principal)
        if "name" in changes and not principal.has(Role.HR_ADMIN):
            raise Problem(403, "Forbidden", "Only the agency's HR admin changes the recorded name.",
                          errors=[{"field": "name", "message": "HR admin only"}])
        for field, value in changes.items():
            setattr(profile, field, value)
        if changes:
            await session.flush()
            await outbox.emit(session, ProfileUpdated(**await _snapshot(session, profile)), subject=nip)
            await _refresh_data_quality(session, outbox, profile)
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


async def add_portfolio_item(
    session: AsyncSession, outbox: Outbox, nip: str, entry: PortfolioEntry, principal: Principal
) -> PortfolioItem:
    """ASN record their own portfolio; HR admins their agency's, and alone record disciplinary penalties."""
    async with session.begin():
        profile = await visible_profile(session, nip, principal)
        if entry.kind in HR_ONLY_KINDS and not principal.has(Role.HR_ADMIN):
            raise Problem(403, "Forbidden", f"Only the agency's HR admin records a {entry.kind}.",
                          errors=[{"field": "kind", "message": "HR admin only"}])
        item = PortfolioItem(nip=nip, kind=entry.kind, data=entry.model_dump(mode="json"),
                             recorded_by=principal.subject)
        session.add(item)
        await session.flush()
        trainings = (await session.scalars(
            select(PortfolioItem.data).where(PortfolioItem.nip == nip, PortfolioItem.kind == "training"))).all()
        await outbox.emit(session, PortfolioChanged(
            nip=nip, agency_id=profile.agency_id, item_id=item.id, kind=entry.kind, item=item.data,
            training_hours_by_year=training_hours_by_year([Training.model_validate(t) for t in trainings]),
        ), subject=nip)
        await _refresh_data_quality(session, outbox, profile)
    return item
