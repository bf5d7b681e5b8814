from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from services.succession import domain, service
from services.succession.models import ParkedEvent, Placement, TalentAxes
from shared.auth import Principal, Role, require_roles, roles_note
from shared.errors import Problem
from shared.service_app import ReadSessionDep, SessionDep

router = APIRouter(prefix="/v1", tags=["placements"])

READ = (Role.ASN, Role.HR_ADMIN, Role.TALENT_COMMITTEE, Role.BKN)
POOL_READERS = (Role.HR_ADMIN, Role.TALENT_COMMITTEE, Role.BKN)
NATIONAL = (Role.BKN,)
PARKING_READERS = (Role.HR_ADMIN, Role.BKN)


class PlacementOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    box: int | None = Field(description="the box in force: the committee's calibration when there is one")
    computed_box: int | None = Field(description="the box the rules computed from the inputs")
    calibration_decision_id: str | None = Field(description="the committee decision that calibrated the box")
    performance_level: str | None
    potential_level: str | None
    reasons: list[str]
    policy_versions: dict[str, str | None]
    cause_event_id: str
    placed_at: datetime


class AxesOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    performance_level: str | None
    performance_year: int | None
    potential_level: str | None
    jpm: float | None
    assessed_on: date | None
    potential_valid_until: date | None


class TalentOut(BaseModel):
    nip: str
    agency_id: str
    current: PlacementOut | None
    axes: AxesOut
    history: list[PlacementOut]


@router.get("/talents/{nip}", response_model=TalentOut, summary="An ASN's nine-box placement and its history",
            description="Why the ASN is in their box, since when, and every earlier placement. " + roles_note(*READ))
async def get_talent(
    nip: str, session: SessionDep, principal: Annotated[Principal, Depends(require_roles(*READ))]
) -> TalentOut:
    axes = await session.get(TalentAxes, nip)
    if axes is None or not principal.can_see_person(nip, axes.agency_id):
        raise Problem(404, "Not found", f"No placement for NIP {nip} that you may see.")
    history = (await session.scalars(
        select(Placement).where(Placement.nip == nip).order_by(Placement.sequence.desc())
    )).all()
    return TalentOut(
        nip=nip, agency_id=axes.agency_id, axes=AxesOut.model_validate(axes),
        current=PlacementOut.model_validate(history[0]) if history else None,
        history=[PlacementOut.model_validate(p) for p in history],
    )


class PoolMember(BaseModel):
    nip: str
    name: str
    agency_id: str
    box: int
    since: datetime


class ScreenedOut(PoolMember):
    reason: str


class PoolOut(BaseModel):
    pool: str
    agency_id: str | None
    as_of: date
    members: list[PoolMember]
    screened_out: list[ScreenedOut]


async def _pool(session: SessionDep, name: str, boxes: frozenset[int], agency_id: str | None) -> PoolOut:
    as_of = date.today()
    members, screened = await service.pool(session, boxes, agency_id=agency_id, as_of=as_of)

    def member(p: Placement, asn: str) -> dict[str, object]:
        return {"nip": p.nip, "name": asn, "agency_id": p.agency_id, "box": p.box, "since": p.placed_at}

    return PoolOut(pool=name, agency_id=agency_id, as_of=as_of,
                   members=[PoolMember(**member(p, n)) for p, n in members],
                   screened_out=[ScreenedOut(**member(p, n), reason=why) for p, n, why in screened])


@router.get("/pools/national", response_model=PoolOut, summary="The national succession group (box 9)",
            description="Box 9 across agencies, less those screened out by a medium or severe disciplinary "
            "penalty in the last two years (with the reason). " + roles_note(*NATIONAL))
async def national_pool(
    session: SessionDep, principal: Annotated[Principal, Depends(require_roles(*NATIONAL))]
) -> PoolOut:
    return await _pool(session, "national", domain.NATIONAL_POOL_BOXES, None)


@router.get("/pools/agencies/{agency_id}", response_model=PoolOut, summary="An agency's succession group (boxes 7–9)",
            description="Kelompok Rencana Suksesi: boxes 7, 8 and 9, less those screened out by a medium or "
            "severe disciplinary penalty in the last two years (with the reason). " + roles_note(*POOL_READERS))
async def agency_pool(
    agency_id: str, session: SessionDep, principal: Annotated[Principal, Depends(require_roles(*POOL_READERS))]
) -> PoolOut:
    if not principal.can_see_agency(agency_id):
        raise Problem(404, "Not found", f"No agency {agency_id} that you may see.")
    return await _pool(session, "agency", domain.AGENCY_POOL_BOXES, agency_id)


class ParkedEventOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    event_id: str
    nip: str
    agency_id: str
    event_type: str
    reason: str
    parked_at: datetime


@router.get("/parked-events", response_model=list[ParkedEventOut], summary="Events waiting for their ASN's profile",
            description="Ratings and assessments about a NIP succession has no profile of: parked, not placed, "
            "and applied in their order as soon as the profile arrives. A NIP that stays here points at a "
            "profile never registered or an event sent with a wrong NIP. Agency staff see their agency; BKN "
            "sees every agency or one (`agency_id`). " + roles_note(*PARKING_READERS))
async def parked_events(
    session: ReadSessionDep, principal: Annotated[Principal, Depends(require_roles(*PARKING_READERS))],
    agency_id: Annotated[str | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[ParkedEvent]:
    agency = agency_id if principal.is_national else principal.agency_id
    query = select(ParkedEvent).order_by(ParkedEvent.id).limit(limit)
    if agency is not None:
        query = query.where(ParkedEvent.agency_id == agency)
    return list((await session.scalars(query)).all())
