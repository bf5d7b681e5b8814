"""The talent committee (Komite Talenta) of an agency: members, sessions, the agenda, and decisions.

Decisions are immutable: a row is written once and never changed; a correction is a new decision that
`supersedes` the old one (each decision can be superseded once, so corrections form a visible chain).
Every decision is published as `committee.decided`, and its effect is applied in the same transaction:
a calibrated box (a new placement that keeps the computed box beside it, with `talent.reclassified`
when the box moves), a candidate approved or rejected, a readiness set, a plan reviewed or set."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.succession import domain, idps, plans, service
from services.succession.models import (
    AgendaItem,
    CommitteeMember,
    CommitteeSession,
    Decision,
    KeyPosition,
    PlanCandidate,
    Placement,
    TalentAxes,
)
from shared.auth import Principal
from shared.errors import Problem, field_error
from shared.events.schemas import CandidateNominated, CommitteeDecided

PPK = "ppk"  # the head of agency: a committee member flagged with this role sets succession plans
CANDIDATE_KINDS = frozenset({"approve_candidate", "reject_candidate", "set_readiness"})
CANDIDATES_PER_POSITION = 5  # [default] the agenda lists each plan's best candidates; more can be added by hand


async def active_members(session: AsyncSession, agency_id: str) -> list[CommitteeMember]:
    return list((await session.scalars(
        select(CommitteeMember).where(CommitteeMember.agency_id == agency_id, CommitteeMember.removed_at.is_(None))
        .order_by(CommitteeMember.added_at, CommitteeMember.subject))).all())


async def membership(session: AsyncSession, agency_id: str, subject: str) -> CommitteeMember | None:
    return await session.scalar(select(CommitteeMember).where(
        CommitteeMember.agency_id == agency_id, CommitteeMember.subject == subject,
        CommitteeMember.removed_at.is_(None)).limit(1))


async def require_member(session: AsyncSession, agency_id: str, principal: Principal) -> CommitteeMember:
    member = await membership(session, agency_id, principal.subject)
    if member is None or principal.agency_id != agency_id:
        raise Problem(403, "Forbidden", f"Only members of the talent committee of {agency_id} may do this.")
    return member


async def session_in(session: AsyncSession, agency_id: str, session_id: str) -> CommitteeSession:
    meeting = await session.get(CommitteeSession, session_id)
    if meeting is None or meeting.agency_id != agency_id:
        raise Problem(404, "Not found", f"No committee session {session_id} in agency {agency_id}.")
    return meeting


async def generate_agenda(session: AsyncSession, meeting: CommitteeSession, by: str) -> list[AgendaItem]:
    """Add to the session's agenda what the committee should review and is not on it yet: the
    succession group (boxes 7–9), the middle box (5), and the best candidates of every key position's
    plan (up to CANDIDATES_PER_POSITION each, not those who are no candidate)."""
    have = {(i.kind, i.nip, i.position_id) for i in (await session.scalars(
        select(AgendaItem).where(AgendaItem.session_id == meeting.id))).all()}
    wanted: list[tuple[str, str, str | None, str]] = []
    latest = service.latest_placements()
    placed = (await session.execute(
        select(Placement.nip, Placement.box)
        .join(latest, (Placement.nip == latest.c.nip) & (Placement.sequence == latest.c.sequence))
        .where(Placement.agency_id == meeting.agency_id, Placement.box.in_([9, 8, 7, 5]))
        .order_by(Placement.box.desc(), Placement.nip))).all()
    for nip, box in placed:
        why = "middle box (5): development" if box == 5 else f"succession group: box {box}"
        wanted.append(("placement", nip, None, why))
    candidates = (await session.execute(
        select(PlanCandidate.position_id, PlanCandidate.nip, PlanCandidate.readiness)
        .where(PlanCandidate.agency_id == meeting.agency_id, PlanCandidate.active.is_(True),
               PlanCandidate.readiness != plans.NOT_A_CANDIDATE)
        .order_by(PlanCandidate.position_id, PlanCandidate.score.desc(), PlanCandidate.nip))).all()
    per_position: dict[str, int] = {}
    for position_id, nip, readiness in candidates:
        per_position[position_id] = rank = per_position.get(position_id, 0) + 1
        if rank <= CANDIDATES_PER_POSITION:
            wanted.append(("candidate", nip, position_id, f"plan candidate #{rank} ({readiness})"))
    added = []
    for kind, nip, position_id, why in wanted:
        if (kind, nip, position_id) not in have:
            item = AgendaItem(session_id=meeting.id, agency_id=meeting.agency_id, kind=kind, nip=nip,
                              position_id=position_id, why=why, added_by=by)
            session.add(item)
            added.append(item)
    return added


async def decide(session: AsyncSession, ctx: plans.Context, meeting: CommitteeSession, member: CommitteeMember,
                 *, kind: str, nip: str | None, position_id: str | None, value: str | None, reason: str,
                 evidence: list[str], supersedes: str | None) -> Decision:
    """Record a decision, apply it, publish it — one transaction (the caller's)."""
    position = await _position(session, meeting.agency_id, kind, position_id)
    previous = await _superseded(session, meeting.agency_id, supersedes, kind, nip, position_id)
    if kind == "set_plan" and member.role != PPK:
        raise Problem(403, "Forbidden", "Only the head of agency (the committee member with role ppk) sets a plan.")
    decision = Decision(session_id=meeting.id, agency_id=meeting.agency_id, kind=kind, nip=nip, position_id=position_id,
                        value=value, reason=reason, evidence=evidence, decided_by=member.subject,
                        decided_at=datetime.now(UTC), supersedes_id=previous.id if previous else None,
                        member_subjects=[m.subject for m in await active_members(session, meeting.agency_id)])
    session.add(decision)
    await session.flush()
    envelope = await ctx.outbox.emit(session, CommitteeDecided(
        decision_id=decision.id, session_id=meeting.id, agency_id=meeting.agency_id, kind=kind,  # type: ignore[arg-type]
        nip=nip, position_id=position_id, value=value, reason=reason, decided_by=member.subject,
        decided_at=decision.decided_at, member_subjects=decision.member_subjects, evidence=evidence,
        supersedes=decision.supersedes_id,
    ), subject=position_id or nip or meeting.agency_id, caused_by=ctx.cause)
    ctx = plans.Context(ctx.outbox, ctx.as_of, ctx.at, envelope, ctx.settings)
    if kind == "calibrate_box":
        await _calibrate(session, ctx, meeting.agency_id, decision)
    elif kind in CANDIDATE_KINDS:
        assert position is not None
        await _on_candidate(session, ctx, position, decision)
    else:
        assert position is not None
        await _on_plan(session, ctx, position, decision)
    return decision


async def _position(session: AsyncSession, agency_id: str, kind: str, position_id: str | None) -> KeyPosition | None:
    if kind == "calibrate_box":
        return None
    position = await session.get(KeyPosition, position_id) if position_id else None
    if position is None or position.agency_id != agency_id:
        raise field_error("position_id", f"no key position {position_id!r} in agency {agency_id}")
    return position


async def _superseded(session: AsyncSession, agency_id: str, supersedes: str | None, kind: str, nip: str | None,
                      position_id: str | None) -> Decision | None:
    if supersedes is None:
        return None
    previous = await session.get(Decision, supersedes)
    if previous is None or previous.agency_id != agency_id:
        raise field_error("supersedes", f"no decision {supersedes} in agency {agency_id}")
    if (previous.kind, previous.nip, previous.position_id) != (kind, nip, position_id):
        raise field_error("supersedes", "a correction must be of the same kind, about the same ASN and position")
    if await session.scalar(select(Decision.id).where(Decision.supersedes_id == supersedes)) is not None:
        raise Problem(409, "Already superseded", f"Decision {supersedes} was already corrected; correct the latest one.",
                      errors=[{"field": "supersedes", "message": "already superseded"}])
    return previous


async def _calibrate(session: AsyncSession, ctx: plans.Context, agency_id: str, decision: Decision) -> None:
    assert decision.nip is not None and decision.value is not None and ctx.cause is not None  # committee.decided
    current = await service.current_placement(session, decision.nip)
    if current is None or current.agency_id != agency_id or current.computed_box is None:
        raise field_error("nip", f"{decision.nip} has no computed placement in agency {agency_id} to calibrate")
    placement = Placement(
        id=str(uuid.uuid4()), nip=current.nip, agency_id=agency_id, box=int(decision.value), computed_box=current.computed_box,
        calibration_decision_id=decision.id, performance_level=current.performance_level,
        potential_level=current.potential_level,
        reasons=[f"calibrated by the talent committee from box {current.computed_box}: {decision.reason}",
                 *[r for r in current.reasons if not r.startswith("calibrated by")]],
        policy_versions=current.policy_versions, cause_event_id=str(ctx.cause.event_id),
        placed_at=decision.decided_at, sequence=current.sequence + 1,
    )
    session.add(placement)
    await service.publish_moves(session, ctx.outbox, [(current, placement, ctx.cause)])
    axes = await session.get(TalentAxes, placement.nip)
    await idps.plans_after_placements(session, [placement], {placement.nip: axes.gaps if axes else []})
    await plans.refresh_people(session, ctx, [(decision.nip, agency_id)])


async def _on_candidate(session: AsyncSession, ctx: plans.Context, position: KeyPosition, decision: Decision) -> None:
    row = await session.get(PlanCandidate, (position.id, decision.nip))
    if row is None or not row.active:
        raise field_error("nip", f"{decision.nip} is not a candidate in the plan of {position.id}")
    if decision.kind == "set_readiness":
        before = row.readiness
        row.readiness, row.override_decision_id = str(decision.value), decision.id
        if before != row.readiness:
            await plans.publish_readiness(session, ctx, position, row, before, decision.reason, decision.decided_by)
    else:
        row.status = "approved" if decision.kind == "approve_candidate" else "rejected"
        row.status_decision_id = decision.id
        if decision.kind == "approve_candidate":
            await ctx.outbox.emit(session, CandidateNominated(
                position_id=position.id, position_name=position.title, agency_id=position.agency_id,
                nip=row.nip, readiness=row.readiness, reasons=[f"approved by the talent committee: {decision.reason}"],
            ), subject=position.id, caused_by=ctx.cause)
    await session.flush()
    await plans.check_risks(session, ctx, position)


async def _on_plan(session: AsyncSession, ctx: plans.Context, position: KeyPosition, decision: Decision) -> None:
    plan = await plans.plan_of(session, ctx, position)
    state = domain.plan_transition(plan.state, decision.kind)
    if state is None:
        raise Problem(409, "Illegal plan transition", f"The plan of {position.id} is {plan.state}: it cannot be "
                      f"{'reviewed' if decision.kind == 'review_plan' else 'set'} now.",
                      errors=[{"field": "kind", "message": f"not allowed from state {plan.state}"}])
    plan.state, plan.reopened_reason = state, None
    if decision.kind == "review_plan":
        plan.reviewed_decision_id = decision.id
    else:
        plan.set_decision_id = decision.id
    await plans.publish_plan(session, ctx, position, plan)
