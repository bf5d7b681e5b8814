from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict
from sqlalchemy import select

from services.succession.models import Placement, TalentAxes
from shared.auth import Principal, Role, require_roles, roles_note
from shared.errors import Problem
from shared.service_app import SessionDep

router = APIRouter(prefix="/v1", tags=["placements"])

READ = (Role.ASN, Role.HR_ADMIN, Role.TALENT_COMMITTEE, Role.BKN)


class PlacementOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    box: int | None
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
