"""Key positions (jabatan strategis / kritikal) and their succession plans: candidates ranked by an
explainable score, each with a readiness and its reasons."""

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from services.succession import domain, plans
from services.succession.models import KeyPosition, KnownAsn, PlanCandidate, SuccessionPlan
from shared.auth import Principal, Role, require_roles, roles_note
from shared.errors import Problem
from shared.service_app import RuntimeDep, SessionDep

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


class RuleResultOut(BaseModel):
    rule: str
    met: bool
    detail: str


class Candidate(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    nip: str
    name: str = ""
    box: int
    score: float
    readiness: domain.Readiness = Field(description="the committee's readiness when it set one, else the computed one")
    computed_readiness: domain.Readiness
    override_decision_id: str | None
    status: str = Field(description="proposed, approved or rejected (by a committee decision)")
    status_decision_id: str | None
    reasons: list[str]
    eligibility: list[RuleResultOut]
    rules_version: int | None


class PlanOut(BaseModel):
    position: KeyPositionOut
    state: str = Field(description="draft → reviewed (committee) → set (head of agency)")
    reviewed_decision_id: str | None
    set_decision_id: str | None
    reopened_reason: str | None = Field(None, description="why a reviewed or set plan went back to draft")
    rules_version: int | None = Field(description="the agency's eligibility rules version the candidates were judged by")
    ready_now: int
    target_ready_successors: int
    candidates: list[Candidate]


@router.post("", status_code=201, response_model=KeyPositionOut, summary="Declare a key position",
             description="With its competency standard, incumbent and the number of ready successors wanted. "
             + roles_note(*MANAGE))
async def create_key_position(
    body: KeyPositionIn, session: SessionDep, runtime: RuntimeDep, principal: Annotated[Principal, Depends(require_roles(*MANAGE))]
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
        await session.flush()
        await plans.refresh_position(session, plans.Context.now(runtime),
                                     position)
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


@router.get("/{position_id}/plan", response_model=PlanOut, summary="The succession plan: state and ranked candidates",
            description="The agency's succession group (boxes 7–9) ranked for this position: box, job fit to the "
            "position's competency standard, the agency's eligibility rules, screening; each with a computed "
            "readiness, the committee's override if any, and the reasons. " + roles_note(*READ))
async def succession_plan(
    position_id: str, session: SessionDep, principal: Annotated[Principal, Depends(require_roles(*READ))]
) -> PlanOut:
    position = await session.get(KeyPosition, position_id)
    if position is None or not principal.can_see_agency(position.agency_id):
        raise Problem(404, "Not found", f"No key position {position_id} that you may see.")
    plan = await session.get(SuccessionPlan, position_id)
    rows = (await session.execute(
        select(PlanCandidate, KnownAsn.name).outerjoin(KnownAsn, KnownAsn.nip == PlanCandidate.nip)
        .where(PlanCandidate.position_id == position_id, PlanCandidate.active.is_(True))
        .order_by(PlanCandidate.score.desc(), PlanCandidate.nip))).all()
    candidates = [Candidate.model_validate(row).model_copy(update={"name": name or ""}) for row, name in rows]
    return PlanOut(position=KeyPositionOut.model_validate(position), state=plan.state if plan else "draft",
                   reviewed_decision_id=plan.reviewed_decision_id if plan else None,
                   set_decision_id=plan.set_decision_id if plan else None,
                   reopened_reason=plan.reopened_reason if plan else None,
                   rules_version=plan.rules_version if plan else None,
                   ready_now=sum(c.readiness is domain.Readiness.READY_NOW and c.status != "rejected" for c in candidates),
                   target_ready_successors=position.target_ready_successors, candidates=candidates)
