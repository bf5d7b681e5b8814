"""The competency catalogue and the competency standards of an agency's positions."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from services.assessment.domain import CompetencyGroup
from services.assessment.models import Competency, CompetencyStandard, KnownAsn
from services.assessment.schemas_admin import StandardIn, TechnicalCompetencyIn
from shared.auth import Principal
from shared.errors import Problem, field_error

NATIONAL = "national"
POSITION, POSITION_TYPE = "position", "position_type"


def group_of(kind: str) -> CompetencyGroup:
    return CompetencyGroup.TECHNICAL if kind == "technical" else CompetencyGroup.MANAGERIAL_SOCIO_CULTURAL


async def catalogue(session: AsyncSession, agency_id: str | None) -> list[Competency]:
    """The national competencies and, for an agency, its own technical ones (every agency's when None)."""
    query = select(Competency).order_by(Competency.owner != NATIONAL, Competency.owner, Competency.id)
    if agency_id is not None:
        query = query.where(or_(Competency.owner == NATIONAL, Competency.owner == agency_id))
    return list((await session.scalars(query)).all())


async def kinds_for(session: AsyncSession, agency_id: str, names: Iterable[str] | None = None) -> dict[str, str]:
    """Name → kind of the competencies known to the agency (national ∪ its technical ones), or of `names` only."""
    query = select(Competency.name, Competency.kind).where(or_(Competency.owner == NATIONAL,
                                                               Competency.owner == agency_id))
    if names is not None:
        query = query.where(Competency.name.in_(set(names)))
    return {name: kind for name, kind in (await session.execute(query)).all()}


def require_known(kinds: dict[str, str], names: list[str], field: str) -> None:
    """422 naming the first competency that is not in the catalogue (field: e.g. `competencies.{i}.competency`)."""
    for i, name in enumerate(names):
        if name not in kinds:
            raise field_error(field.format(i=i, name=name), f"{name!r} is not in the competency catalogue "
                              "(national competencies, or a technical one your agency added)")


async def add_technical(session: AsyncSession, agency_id: str, body: TechnicalCompetencyIn,
                        principal: Principal) -> Competency:
    try:
        async with session.begin():
            national = await session.scalar(select(Competency).where(Competency.owner == NATIONAL,
                                                                      Competency.name == body.name))
            if national is not None:
                raise Problem(409, "Already in the catalogue", f"{body.name!r} is a national competency.",
                              errors=[{"field": "name", "message": "a national competency"}])
            row = Competency(owner=agency_id, name=body.name, kind="technical", description=body.description,
                             created_by=principal.subject)
            session.add(row)
    except IntegrityError:
        raise Problem(409, "Already in the catalogue", f"{body.name!r} is already a technical competency of {agency_id}.",
                      errors=[{"field": "name", "message": "already in the catalogue"}]) from None
    return row


async def put_standard(session: AsyncSession, agency_id: str, scope: str, key: str, body: StandardIn,
                       principal: Principal) -> tuple[CompetencyStandard, bool]:
    for name, level in body.requirements.items():
        if not 1 <= level <= 5:
            raise field_error(f"requirements.{name}", f"level {level} is outside 1–5")
    async with session.begin():
        kinds = await kinds_for(session, agency_id, body.requirements)
        require_known(kinds, list(body.requirements), "requirements.{name}")
        row = await session.get(CompetencyStandard, (agency_id, scope, key))
        created = row is None
        if row is None:
            row = CompetencyStandard(agency_id=agency_id, scope=scope, key=key)
            session.add(row)
        row.title, row.requirements, row.updated_by = body.title, dict(body.requirements), principal.subject
    return row, created


async def standards(session: AsyncSession, agency_id: str) -> list[CompetencyStandard]:
    return list((await session.scalars(select(CompetencyStandard).where(CompetencyStandard.agency_id == agency_id)
                                       .order_by(CompetencyStandard.scope, CompetencyStandard.key))).all())


Standard = list[dict[str, Any]]  # [{"competency", "required", "group"}], as stored on each result


async def resolve_standard(session: AsyncSession, asn: KnownAsn, target_position_code: str | None,
                           given: dict[str, int | None], kinds: dict[str, str]) -> tuple[Standard, str]:
    """The standard an assessment is matched against, and where it came from: a named target position's,
    the ASN's current position's, the default of their position type's, or else the levels the request gave.
    `kinds` is the agency's catalogue (name → kind)."""
    candidates = [(POSITION, target_position_code)] if target_position_code is not None else [
        (POSITION, asn.position_code), (POSITION_TYPE, asn.position_type)]
    candidates = [(scope, key) for scope, key in candidates if key]
    found = {(r.scope, r.key): r for r in (await session.scalars(select(CompetencyStandard).where(
        CompetencyStandard.agency_id == asn.agency_id,
        or_(*[(CompetencyStandard.scope == scope) & (CompetencyStandard.key == key) for scope, key in candidates]),
    ))).all()} if candidates else {}
    row = next((found[c] for c in candidates if c in found), None)
    if row is None and target_position_code is not None:
        raise field_error("target_position_code",
                          f"no competency standard for position {target_position_code!r} in {asn.agency_id}")
    if row is not None:
        for i, (name, required) in enumerate(given.items()):
            expected = row.requirements.get(name)
            if required is not None and required != expected:
                raise field_error(f"competencies.{i}.required", f"the standard ({row.scope} {row.key}) requires "
                                  f"{name} at {expected if expected is not None else 'no level'}, not {required}; "
                                  "leave `required` out")
        return ([{"competency": name, "required": level, "group": group_of(kinds.get(name, "technical")).value}
                 for name, level in row.requirements.items()], f"{row.scope}:{row.key}")
    missing = [i for i, level in enumerate(given.values()) if level is None]
    if missing:
        where = f"position {asn.position_code!r}" if asn.position_code else "the ASN's position"
        raise field_error(f"competencies.{missing[0]}.required",
                          f"no competency standard for {where} in {asn.agency_id}: give the required level of every "
                          "competency, name a target_position_code, or define the standard first")
    return ([{"competency": name, "required": level, "group": group_of(kinds.get(name, "technical")).value}
             for name, level in given.items()], "request")
