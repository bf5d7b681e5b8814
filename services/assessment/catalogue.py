"""The competency catalogue and the competency standards of an agency's positions."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
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


Requirements = Mapping[tuple[str, str], Mapping[str, int]]  # (scope, key) -> competency -> required level


def candidates(asn: KnownAsn, target_position_code: str | None) -> list[tuple[str, str]]:
    """The standards that may apply, in order: a named target position; else the current position, then
    its position type's default."""
    if target_position_code is not None:
        return [(POSITION, target_position_code)]
    return [(scope, key) for scope, key in ((POSITION, asn.position_code), (POSITION_TYPE, asn.position_type)) if key]


def choose_standard(asn: KnownAsn, target_position_code: str | None, given: dict[str, int | None],
                    found: Requirements, kinds: Mapping[str, str]) -> tuple[Standard, str]:
    """The standard an assessment is matched against and where it came from (pure: `found` holds the agency's
    standards that may apply); else the levels the request gave. A 422 Problem names what is wrong."""
    key = next((c for c in candidates(asn, target_position_code) if c in found), None)
    if key is None and target_position_code is not None:
        raise field_error("target_position_code",
                          f"no competency standard for position {target_position_code!r} in {asn.agency_id}")
    if key is not None:
        requirements = found[key]
        for i, (name, required) in enumerate(given.items()):
            expected = requirements.get(name)
            if required is not None and required != expected:
                raise field_error(f"competencies.{i}.required", f"the standard ({key[0]} {key[1]}) requires "
                                  f"{name} at {expected if expected is not None else 'no level'}, not {required}; "
                                  "leave `required` out")
        return _standard(requirements.items(), kinds), f"{key[0]}:{key[1]}"
    missing = [i for i, level in enumerate(given.values()) if level is None]
    if missing:
        where = f"position {asn.position_code!r}" if asn.position_code else "the ASN's position"
        raise field_error(f"competencies.{missing[0]}.required",
                          f"no competency standard for {where} in {asn.agency_id}: give the required level of every "
                          "competency, name a target_position_code, or define the standard first")
    return _standard(given.items(), kinds), "request"  # type: ignore[arg-type]


def _standard(requirements: Iterable[tuple[str, int]], kinds: Mapping[str, str]) -> Standard:
    return [{"competency": name, "required": level, "group": group_of(kinds.get(name, "technical")).value}
            for name, level in requirements]


async def standards_of(session: AsyncSession, agency_id: str, keys: Iterable[tuple[str, str]] | None = None
                       ) -> dict[tuple[str, str], dict[str, int]]:
    """The agency's standards (only `keys`, when given) as (scope, key) -> requirements."""
    query = select(CompetencyStandard.scope, CompetencyStandard.key, CompetencyStandard.requirements).where(
        CompetencyStandard.agency_id == agency_id)
    if keys is not None:
        keys = list(keys)
        if not keys:
            return {}
        query = query.where(or_(*[(CompetencyStandard.scope == scope) & (CompetencyStandard.key == key)
                                  for scope, key in keys]))
    return {(scope, key): requirements for scope, key, requirements in (await session.execute(query)).all()}


async def resolve_standard(session: AsyncSession, asn: KnownAsn, target_position_code: str | None,
                           given: dict[str, int | None], kinds: Mapping[str, str]) -> tuple[Standard, str]:
    found = await standards_of(session, asn.agency_id, candidates(asn, target_position_code))
    return choose_standard(asn, target_position_code, given, found, kinds)
