"""Development plans (IDP) over HTTP: the ASN, their agency's staff and BKN read; HR records progress."""

from datetime import date, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from services.succession import development, idps, service
from services.succession.models import DevelopmentPlan, KnownAsn
from shared.auth import Principal, Role, require_roles, roles_note
from shared.errors import Problem
from shared.service_app import SessionDep

router = APIRouter(prefix="/v1/talents/{nip}/development-plan", tags=["development plans"])

READ = (Role.ASN, Role.HR_ADMIN, Role.TALENT_COMMITTEE, Role.BKN)
UPDATE = (Role.HR_ADMIN,)


class InterventionOut(BaseModel):
    id: str
    category: development.Category
    share: float
    activity: str
    competency: str | None
    status: str
    note: str | None


class ProgressOut(BaseModel):
    year: int
    hours: int
    required: int
    met: bool
    remaining: int


class DevelopmentPlanOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    nip: str
    agency_id: str
    placement_id: str
    box: int
    year: int
    target_competencies: list[str] = Field(description="competencies below standard, largest gap first")
    split: dict[str, float] = Field(description="effort per category in percent: 70 / 20 / 10")
    interventions: list[InterventionOut]
    training: list[ProgressOut] = Field(description="JP against the ≥ 20 JP a year rule, plan year and this year")
    created_at: datetime
    updated_by: str | None
    updated_at: datetime | None


class ProgressIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: Literal["planned", "in_progress", "done", "dropped"]
    note: str | None = Field(default=None, max_length=2000)


async def _visible_plan(session: SessionDep, nip: str, principal: Principal) -> tuple[DevelopmentPlan, KnownAsn | None]:
    current = await service.current_placement(session, nip)
    if current is None or not principal.can_see_person(nip, current.agency_id):
        raise Problem(404, "Not found", f"No development plan for NIP {nip} that you may see.")
    found = await session.scalar(select(DevelopmentPlan).where(DevelopmentPlan.placement_id == current.id))
    if found is None:
        raise Problem(404, "Not found", f"NIP {nip} is not placed in a box, so has no development plan.")
    return found, await session.get(KnownAsn, nip)


def _out(plan: DevelopmentPlan, asn: KnownAsn | None) -> DevelopmentPlanOut:
    hours = {int(y): h for y, h in (asn.training_hours if asn else {}).items()}
    years = sorted({plan.year, date.today().year})
    return DevelopmentPlanOut(
        id=plan.id, nip=plan.nip, agency_id=plan.agency_id, placement_id=plan.placement_id, box=plan.box,
        year=plan.year, target_competencies=plan.target_competencies, split=development.split_of(plan.interventions),
        interventions=[InterventionOut(**i) for i in plan.interventions],  # type: ignore[arg-type]
        training=[ProgressOut(**vars(development.training_progress(hours, y))) for y in years],
        created_at=plan.created_at, updated_by=plan.updated_by, updated_at=plan.updated_at)


@router.get("", response_model=DevelopmentPlanOut, summary="The ASN's development plan for their current placement",
            description="Interventions for the box, split 70/20/10, aimed at the competencies below standard; "
            "training hours against the ≥ 20 JP a year rule. " + roles_note(*READ))
async def get_development_plan(nip: str, session: SessionDep,
                               principal: Annotated[Principal, Depends(require_roles(*READ))]) -> DevelopmentPlanOut:
    return _out(*await _visible_plan(session, nip, principal))


@router.patch("/interventions/{intervention_id}", response_model=DevelopmentPlanOut,
              summary="Record progress on one intervention", description=roles_note(*UPDATE))
async def update_progress(nip: str, intervention_id: str, body: ProgressIn, session: SessionDep,
                          principal: Annotated[Principal, Depends(require_roles(*UPDATE))]) -> DevelopmentPlanOut:
    async with session.begin():
        plan, asn = await _visible_plan(session, nip, principal)
        if not idps.record_progress(plan, intervention_id, body.status, body.note, principal.subject):
            raise Problem(404, "Not found", f"No intervention {intervention_id} in the plan.")
    return _out(plan, asn)

