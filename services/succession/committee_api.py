"""The talent committee's HTTP surface: members and sessions (the agency's HR admin manages them), the
agenda (HR admin or a member edits it), and decisions (members only; no PUT, PATCH or DELETE: a
correction is a new decision that supersedes the old one)."""

from datetime import UTC, date, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlalchemy import select

from services.succession import committee, domain, plans
from services.succession.models import AgendaItem, CommitteeMember, CommitteeSession, Decision
from shared.auth import Principal, Role, require_roles, roles_note
from shared.errors import Problem
from shared.idempotency import IdempotencyKey, idempotent
from shared.service_app import RuntimeDep, SessionDep

router = APIRouter(prefix="/v1/committees/{agency_id}", tags=["talent committee"])

HR = (Role.HR_ADMIN,)
AGENDA_EDITORS = (Role.HR_ADMIN, Role.TALENT_COMMITTEE)
DECIDERS = (Role.TALENT_COMMITTEE,)
READERS = (Role.HR_ADMIN, Role.TALENT_COMMITTEE, Role.BKN)
Hr = Annotated[Principal, Depends(require_roles(*HR))]
Editor = Annotated[Principal, Depends(require_roles(*AGENDA_EDITORS))]
Decider = Annotated[Principal, Depends(require_roles(*DECIDERS))]
Reader = Annotated[Principal, Depends(require_roles(*READERS))]
Nip = Annotated[str, Field(pattern=r"^\d{18}$")]


def _own_agency(principal: Principal, agency_id: str) -> None:
    if not principal.can_see_agency(agency_id):
        raise Problem(404, "Not found", f"No agency {agency_id} that you may see.")


async def _editor(session: SessionDep, principal: Principal, agency_id: str) -> None:
    """HR admins of the agency edit the agenda, and so do the committee's own members."""
    _own_agency(principal, agency_id)
    if not principal.has(Role.HR_ADMIN):
        await committee.require_member(session, agency_id, principal)


class MemberIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    subject: str = Field(min_length=1, max_length=200, description="the member's JWT subject")
    name: str = Field(min_length=1, max_length=200)
    role: Literal["chair", "secretary", "member", "ppk"] = Field(
        description="`ppk`: the head of agency, who sets succession plans")


class MemberOut(MemberIn):
    model_config = ConfigDict(from_attributes=True)

    agency_id: str
    added_by: str
    added_at: datetime


class SessionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    held_on: date
    title: str = Field(min_length=1, max_length=200)
    agenda: str = Field(default="", max_length=4000, description="the agenda as announced")


class AgendaItemIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Literal["placement", "candidate"]
    nip: Nip
    position_id: str | None = Field(default=None, max_length=64)
    why: str = Field(min_length=1, max_length=500)

    @model_validator(mode="after")
    def _candidate_needs_position(self) -> "AgendaItemIn":
        if self.kind == "candidate" and not self.position_id:
            raise ValueError("position_id is required for a candidate")
        return self


class AgendaItemOut(AgendaItemIn):
    model_config = ConfigDict(from_attributes=True)

    id: str
    added_by: str
    added_at: datetime


class SessionOut(SessionIn):
    model_config = ConfigDict(from_attributes=True)

    id: str
    agency_id: str
    created_by: str
    created_at: datetime


class DecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Literal["calibrate_box", "approve_candidate", "reject_candidate", "set_readiness", "review_plan", "set_plan"]
    nip: Nip | None = None
    position_id: str | None = Field(default=None, max_length=64)
    value: str | None = Field(default=None, description="calibrate_box: the box 1–9; set_readiness: the readiness")
    reason: str = Field(min_length=10, max_length=4000, description="the written reason (required)")
    evidence: list[Annotated[str, Field(min_length=1, max_length=500)]] = Field(
        default=[], max_length=20, description="documents or links the decision rests on")
    supersedes: str | None = Field(default=None, description="the id of the decision this one corrects")

    @model_validator(mode="after")
    def _fields_for_kind(self) -> "DecisionIn":
        needs_nip = self.kind == "calibrate_box" or self.kind in committee.CANDIDATE_KINDS
        needs_position = self.kind != "calibrate_box"
        if needs_nip and self.nip is None:
            raise ValueError(f"nip is required for {self.kind}")
        if needs_position and self.position_id is None:
            raise ValueError(f"position_id is required for {self.kind}")
        if self.kind == "calibrate_box" and self.value not in {str(b) for b in range(1, 10)}:
            raise ValueError("value must be a box from 1 to 9")
        if self.kind == "set_readiness" and self.value not in {r.value for r in domain.Readiness}:
            raise ValueError("value must be one of " + ", ".join(r.value for r in domain.Readiness))
        return self


class DecisionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    session_id: str
    agency_id: str
    kind: str
    nip: str | None
    position_id: str | None
    value: str | None
    reason: str
    evidence: list[str]
    decided_by: str
    decided_at: datetime
    supersedes: str | None = Field(validation_alias="supersedes_id")
    superseded_by: str | None = None
    member_subjects: list[str]


@router.post("/members", status_code=201, response_model=MemberOut, summary="Add a committee member",
             description=roles_note(*HR))
async def add_member(agency_id: str, body: MemberIn, session: SessionDep, principal: Hr) -> CommitteeMember:
    _own_agency(principal, agency_id)
    async with session.begin():
        if await committee.membership(session, agency_id, body.subject) is not None:
            raise Problem(409, "Already a member", f"{body.subject} is already on the committee.",
                          errors=[{"field": "subject", "message": "already a member"}])
        member = CommitteeMember(agency_id=agency_id, added_by=principal.subject, added_at=datetime.now(UTC),
                                 **body.model_dump())
        session.add(member)
    return member


@router.get("/members", response_model=list[MemberOut], summary="The committee's members", description=roles_note(*READERS))
async def list_members(agency_id: str, session: SessionDep, principal: Reader) -> list[CommitteeMember]:
    _own_agency(principal, agency_id)
    return await committee.active_members(session, agency_id)


@router.delete("/members/{subject}", status_code=204, summary="Remove a member (kept in the record)",
               description=roles_note(*HR))
async def remove_member(agency_id: str, subject: str, session: SessionDep, principal: Hr) -> Response:
    _own_agency(principal, agency_id)
    async with session.begin():
        member = await committee.membership(session, agency_id, subject)
        if member is None:
            raise Problem(404, "Not found", f"{subject} is not a member of the committee of {agency_id}.")
        member.removed_by, member.removed_at = principal.subject, datetime.now(UTC)
    return Response(status_code=204)


@router.post("/sessions", status_code=201, response_model=SessionOut, summary="Schedule a committee session",
             description=roles_note(*HR))
async def create_session(agency_id: str, body: SessionIn, session: SessionDep, principal: Hr) -> CommitteeSession:
    _own_agency(principal, agency_id)
    async with session.begin():
        meeting = CommitteeSession(agency_id=agency_id, created_by=principal.subject, created_at=datetime.now(UTC),
                                   **body.model_dump())
        session.add(meeting)
    return meeting


@router.get("/sessions", response_model=list[SessionOut], summary="The committee's sessions", description=roles_note(*READERS))
async def list_sessions(agency_id: str, session: SessionDep, principal: Reader) -> list[CommitteeSession]:
    _own_agency(principal, agency_id)
    return list((await session.scalars(select(CommitteeSession).where(CommitteeSession.agency_id == agency_id)
                                       .order_by(CommitteeSession.held_on.desc(), CommitteeSession.id))).all())


@router.get("/sessions/{session_id}/agenda", response_model=list[AgendaItemOut], summary="A session's agenda",
            description=roles_note(*READERS))
async def get_agenda(agency_id: str, session_id: str, session: SessionDep, principal: Reader) -> list[AgendaItem]:
    _own_agency(principal, agency_id)
    await committee.session_in(session, agency_id, session_id)
    return list((await session.scalars(select(AgendaItem).where(AgendaItem.session_id == session_id)
                                       .order_by(AgendaItem.added_at, AgendaItem.kind, AgendaItem.nip))).all())


@router.post("/sessions/{session_id}/agenda/generate", status_code=201, response_model=list[AgendaItemOut],
             summary="Fill the agenda from boxes 7–9, the middle box and the plans' candidates",
             description="Adds what is not on the agenda yet; returns the items added. " + roles_note(*AGENDA_EDITORS))
async def generate_agenda(agency_id: str, session_id: str, session: SessionDep, principal: Editor) -> list[AgendaItem]:
    async with session.begin():
        await _editor(session, principal, agency_id)
        meeting = await committee.session_in(session, agency_id, session_id)
        return await committee.generate_agenda(session, meeting, principal.subject)


@router.post("/sessions/{session_id}/agenda", status_code=201, response_model=AgendaItemOut,
             summary="Add an item to the agenda", description=roles_note(*AGENDA_EDITORS))
async def add_agenda_item(agency_id: str, session_id: str, body: AgendaItemIn, session: SessionDep,
                          principal: Editor) -> AgendaItem:
    async with session.begin():
        await _editor(session, principal, agency_id)
        await committee.session_in(session, agency_id, session_id)
        item = AgendaItem(session_id=session_id, agency_id=agency_id, added_by=principal.subject,
                          added_at=datetime.now(UTC), **body.model_dump())
        session.add(item)
    return item


@router.delete("/sessions/{session_id}/agenda/{item_id}", status_code=204, summary="Take an item off the agenda",
               description=roles_note(*AGENDA_EDITORS))
async def remove_agenda_item(agency_id: str, session_id: str, item_id: str, session: SessionDep,
                             principal: Editor) -> Response:
    async with session.begin():
        await _editor(session, principal, agency_id)
        item = await session.get(AgendaItem, item_id)
        if item is None or item.session_id != session_id or item.agency_id != agency_id:
            raise Problem(404, "Not found", f"No agenda item {item_id} in session {session_id}.")
        await session.delete(item)
    return Response(status_code=204)


@router.post("/sessions/{session_id}/decisions", status_code=201, response_model=DecisionOut,
             summary="Record a committee decision (immutable)",
             description="Calibrate a box, approve or reject a candidate, set a readiness, review a plan, or (the "
             "head of agency) set it. A written reason is required. Decisions are never edited: to correct one, "
             "post a new decision with `supersedes`. A retry with the same Idempotency-Key records nothing twice. Callers must be members of the agency's committee (else 403). "
             + roles_note(*DECIDERS))
async def record_decision(agency_id: str, session_id: str, body: DecisionIn, session: SessionDep, runtime: RuntimeDep,
                          principal: Decider, request: Request, idempotency_key: IdempotencyKey = None) -> JSONResponse:
    async def record() -> tuple[DecisionOut, int]:
        async with session.begin():
            member = await committee.require_member(session, agency_id, principal)
            meeting = await committee.session_in(session, agency_id, session_id)
            decision = await committee.decide(session, plans.Context.now(runtime), meeting, member, **body.model_dump())
        return DecisionOut.model_validate(decision), 201

    return await idempotent(session, runtime.idempotency_table, key=idempotency_key, principal=principal,
                            request=request, body=body, run=record)


async def _with_superseded_by(session: SessionDep, decisions: list[Decision]) -> list[DecisionOut]:
    ids = [d.id for d in decisions]
    later = dict((await session.execute(select(Decision.supersedes_id, Decision.id)
                                        .where(Decision.supersedes_id.in_(ids)))).tuples().all()) if ids else {}
    return [DecisionOut.model_validate(d).model_copy(update={"superseded_by": later.get(d.id)}) for d in decisions]


@router.get("/sessions/{session_id}/decisions", response_model=list[DecisionOut], summary="A session's decisions",
            description="In the order they were taken; a corrected one names the decision that superseded it. "
            + roles_note(*READERS))
async def list_decisions(agency_id: str, session_id: str, session: SessionDep, principal: Reader) -> list[DecisionOut]:
    _own_agency(principal, agency_id)
    await committee.session_in(session, agency_id, session_id)
    decisions = list((await session.scalars(select(Decision).where(Decision.session_id == session_id)
                                            .order_by(Decision.decided_at, Decision.id))).all())
    return await _with_superseded_by(session, decisions)


@router.get("/decisions/{decision_id}", response_model=DecisionOut, summary="One decision", description=roles_note(*READERS))
async def get_decision(agency_id: str, decision_id: str, session: SessionDep, principal: Reader) -> DecisionOut:
    _own_agency(principal, agency_id)
    decision = await session.get(Decision, decision_id)
    if decision is None or decision.agency_id != agency_id:
        raise Problem(404, "Not found", f"No decision {decision_id} in agency {agency_id}.")
    return (await _with_superseded_by(session, [decision]))[0]
