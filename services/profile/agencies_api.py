"""Agencies (instansi) and their work units (unit kerja)."""

from typing import Annotated

from fastapi import APIRouter, Depends
from sqlalchemy import func, select

from services.profile.models import Agency, Profile, Unit
from services.profile.schemas import AgencyIn, AgencyOut, AgencyQuality, UnitIn, UnitOut, UnitQuality
from services.profile.service import add_unit, register_agency
from shared.auth import Principal, Role, require_roles, roles_note
from shared.errors import Problem
from shared.service_app import SessionDep

router = APIRouter(prefix="/v1/agencies", tags=["agencies"])

REGISTER = (Role.BKN,)
READ = (Role.ASN, Role.HR_ADMIN, Role.TALENT_COMMITTEE, Role.BKN)
MANAGE_UNITS = (Role.HR_ADMIN, Role.BKN)
STAFF = (Role.HR_ADMIN, Role.TALENT_COMMITTEE, Role.BKN)


@router.post("", status_code=201, response_model=AgencyOut, summary="Register an agency",
             description="BKN registers the agencies that run talent management. " + roles_note(*REGISTER))
async def create_agency(
    body: AgencyIn, session: SessionDep, principal: Annotated[Principal, Depends(require_roles(*REGISTER))]
) -> Agency:
    return await register_agency(session, body)


@router.get("", response_model=list[AgencyOut], summary="Agencies the caller may see",
            description="BKN sees every agency; everyone else their own. " + roles_note(*READ))
async def list_agencies(
    session: SessionDep, principal: Annotated[Principal, Depends(require_roles(*READ))]
) -> list[Agency]:
    query = select(Agency).order_by(Agency.id)
    if not principal.is_national:
        query = query.where(Agency.id == principal.agency_id)
    return list((await session.scalars(query)).all())


@router.post("/{agency_id}/units", status_code=201, response_model=UnitOut, summary="Add a work unit",
             description="An agency's HR admin manages its units. " + roles_note(*MANAGE_UNITS))
async def create_unit(
    agency_id: str, body: UnitIn, session: SessionDep,
    principal: Annotated[Principal, Depends(require_roles(*MANAGE_UNITS))],
) -> Unit:
    if not principal.can_see_agency(agency_id):
        raise Problem(404, "Not found", f"No agency {agency_id} that you may change.")
    return await add_unit(session, agency_id, body)


@router.get("/{agency_id}/units", response_model=list[UnitOut], summary="An agency's work units",
            description=roles_note(*READ))
async def list_units(
    agency_id: str, session: SessionDep, principal: Annotated[Principal, Depends(require_roles(*READ))]
) -> list[Unit]:
    if not principal.can_see_agency(agency_id):
        raise Problem(404, "Not found", f"No agency {agency_id} that you may see.")
    return list((await session.scalars(select(Unit).where(Unit.agency_id == agency_id).order_by(Unit.id))).all())


@router.get("/{agency_id}/data-quality", response_model=AgencyQuality, summary="Data-quality index per agency and unit",
            description="The mean of its ASN's indexes, for the agency and each of its units. " + roles_note(*STAFF))
async def agency_data_quality(
    agency_id: str, session: SessionDep, principal: Annotated[Principal, Depends(require_roles(*STAFF))]
) -> AgencyQuality:
    if not principal.can_see_agency(agency_id) or await session.get(Agency, agency_id) is None:
        raise Problem(404, "Not found", f"No agency {agency_id} that you may see.")
    rows = (await session.execute(
        select(Profile.unit_id, func.count(), func.avg(Profile.data_quality))
        .where(Profile.agency_id == agency_id).group_by(Profile.unit_id).order_by(Profile.unit_id)
    )).all()
    total = sum(count for _, count, _ in rows)
    scored = [(count, average) for _, count, average in rows if average is not None]
    overall = sum(c * a for c, a in scored) / sum(c for c, _ in scored) if scored else None
    return AgencyQuality(
        agency_id=agency_id, asn_count=total, average=round(overall, 2) if overall is not None else None,
        units=[UnitQuality(unit_id=unit, asn_count=count, average=round(average, 2) if average is not None else None)
               for unit, count, average in rows],
    )
