"""Key positions (jabatan strategis / kritikal) and their succession plans: candidates ranked by an
explainable score, each with a readiness and its reasons."""

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from services.succession import domain, service
from services.succession.models import KeyPosition, TalentAxes
from shared.auth import Principal, Role, require_roles, roles_note
from shared.errors import Problem
from shared.service_app import SessionDep

router = APIRouter(prefix="/v1/key-positions", tags=["succession plans"])

MANAGE = (Role.HR_ADMIN,)
READ = (Role.HR_ADMIN, Role.TALENT_COMMITTEE, Role.BKN)
Level = Annotated[int, Field(ge=1, le=5)]


class KeyPositionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=2, max_length=64, pattern=r"^[a-z0-9][a-z0-9-]*$")
    agency_id: str = Field(min_length=1, max_length=64)
    title: str = Field(min_length=1, max_length=200, examples=["Kepala Dinas Pendidikan"])
    position_type: str = Field(min_length=1, max_length=40, examples=["jpt_pratama"])
    standard: dict[str, Level] = Field(min_length=1, description="required level (1–5) per competency")
    incumbent_nip: str | None = Field(default=None, pattern=r"^\d{18}$")
    incumbent_retires_on: date | None = None
    target_ready_successors: int = Field(default=2, ge=1, le=20)


class KeyPositionOut(KeyPositionIn):
    model_config = ConfigDict(from_attributes=True)


class Candidate(BaseModel):
    nip: str
    name: str
    box: int
    score: float
    readiness: domain.Readiness
    reasons: list[str]


class PlanOut(BaseModel):
    position: KeyPositionOut
    as_of: date
    ready_now: int
    target_ready_successors: int
    candidates: list[Candidate]


@router.post("", status_code=201, response_model=KeyPositionOut, summary="Declare a key position",
             description="With its competency standard, incumbent and the number of ready successors wanted. "
             + roles_note(*MANAGE))
async def create_key_position(
    body: KeyPositionIn, session: SessionDep, principal: Annotated[Principal, Depends(require_roles(*MANAGE))]
) -> KeyPosition:
    if not principal.can_see_agency(body.agency_id):
        raise Problem(403, "Forbidden", f"You may declare key positions only in agency {principal.agency_id}.",
                      errors=[{"field": "agency_id", "message": "not your agency"}])
    async with session.begin():
        if await session.get(KeyPosition, body.id) is not None:
            raise Problem(409, "Duplicate key position", f"Key position {body.id} already exists.",
                          errors=[{"field": "id", "message": "already declared"}])
        position = KeyPosition(**body.model_dump())
        session.add(position)
    return position


@router.get("", response_model=list[KeyPositionOut], summary="Key positions of an agency",
            description=roles_note(*READ))
async def list_key_positions(
    session: SessionDep, principal: Annotated[Principal, Depends(require_roles(*READ))],
    agency_id: Annotated[str | None, Query()] = None,
) -> list[KeyPosition]:
    agency = agency_id if principal.is_national else principal.agency_id
    query = select(KeyPosition).order_by(KeyPosition.id)
    if agency is not None:
        query = query.where(KeyPosition.agency_id == agency)
    return list((await session.scalars(query)).all())


@router.get("/{position_id}/plan", response_model=PlanOut, summary="The succession plan: ranked candidates",
            description="The agency's succession group (boxes 7–9) ranked for this position: box, job fit to the "
            "position's competency standard, screening; each with a readiness and its reasons. " + roles_note(*READ))
async def succession_plan(
    position_id: str, session: SessionDep, principal: Annotated[Principal, Depends(require_roles(*READ))]
) -> PlanOut:
    position = await session.get(KeyPosition, position_id)
    if position is None or not principal.can_see_agency(position.agency_id):
        raise Problem(404, "Not found", f"No key position {position_id} that you may see.")
    as_of = date.today()
    members, screened = await service.pool(session, domain.AGENCY_POOL_BOXES, agency_id=position.agency_id,
                                           as_of=as_of)
    people = [(p, name, None) for p, name in members] + [(p, name, why) for p, name, why in screened]
    people = [entry for entry in people if entry[0].nip != position.incumbent_nip]
    axes = {a.nip: a for a in (await session.scalars(
        select(TalentAxes).where(TalentAxes.nip.in_([p.nip for p, _, _ in people])))).all()}
    candidates = []
    for placement, name, why in people:
        achieved = axes[placement.nip].competencies if placement.nip in axes else {}
        candidacy = domain.assess_candidate(placement.box, achieved, position.standard, why)
        candidates.append(Candidate(nip=placement.nip, name=name, box=placement.box, score=candidacy.score,
                                    readiness=candidacy.readiness, reasons=list(candidacy.reasons)))
    candidates.sort(key=lambda c: (-c.score, c.nip))
    return PlanOut(position=KeyPositionOut.model_validate(position), as_of=as_of,
                   ready_now=sum(c.readiness is domain.Readiness.READY_NOW for c in candidates),
                   target_ready_successors=position.target_ready_successors, candidates=candidates)
