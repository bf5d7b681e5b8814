"""Succession plans kept current: each key position's candidates (box, job fit, eligibility rules of
the agency's latest version, screening) are stored, and every change is published — a new candidate
(`candidate.nominated`), a readiness that moved (`readiness.changed`) — and risks are signalled once
per onset (`risk.signaled`): no ready successor, an incumbent near retirement, a successor who left
boxes 7–9. Plans are refreshed for one ASN after each of their events, and for a whole position when
it is declared, its rules change, or the committee decides."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, cast

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.succession import domain, service
from services.succession.eligibility import Facts, RuleResult, Spell, evaluate
from services.succession.models import (
    EligibilityRules,
    KeyPosition,
    KnownAsn,
    PlanCandidate,
    Placement,
    RiskSignal,
    SuccessionPlan,
    TalentAxes,
)
from services.succession.settings import SuccessionSettings
from shared.events import Envelope
from shared.events.schemas import CandidateNominated, PlanChanged, ReadinessChanged, RiskSignaled
from shared.outbox import Outbox
from shared.service_app import Runtime

NOT_A_CANDIDATE = domain.Readiness.NOT_A_CANDIDATE.value
READY_NOW = domain.Readiness.READY_NOW.value


@dataclass(frozen=True)
class Context:
    """What a refresh needs besides the session: where events go, the day rules are judged on, the
    event that caused it (for the causation chain), and the retirement policy."""

    outbox: Outbox
    as_of: date
    at: datetime
    cause: Envelope | None
    settings: SuccessionSettings

    @classmethod
    def from_event(cls, outbox: Outbox, settings: SuccessionSettings, cause: Envelope) -> Context:
        return cls(outbox, cause.occurred_at.date(), cause.occurred_at, cause, settings)

    @classmethod
    def now(cls, runtime: Runtime, at: datetime | None = None) -> Context:
        """For an HTTP request or a sweep: judged on today (or `at`), caused by no event."""
        at = at or datetime.now(UTC)
        return cls(runtime.outbox, at.date(), at, None, cast(SuccessionSettings, runtime.settings))


async def latest_rules(session: AsyncSession, agency_id: str, position_type: str) -> EligibilityRules | None:
    return await session.scalar(
        select(EligibilityRules).where(EligibilityRules.agency_id == agency_id,
                                       EligibilityRules.position_type == position_type)
        .order_by(EligibilityRules.version.desc()).limit(1))


def facts_of(asn: KnownAsn | None, axes: TalentAxes | None) -> Facts:
    positions = None
    if asn is not None and asn.positions is not None:
        positions = tuple(Spell(p["position_type"] or "", date.fromisoformat(str(p["start_date"])),
                                date.fromisoformat(str(p["end_date"])) if p.get("end_date") else None)
                          for p in asn.positions)
    return Facts(birth_date=asn.birth_date if asn else None, education_level=asn.education_level if asn else None,
                 positions=positions, ratings={int(y): r for y, r in (axes.ratings if axes else {}).items()})


async def plan_of(session: AsyncSession, ctx: Context, position: KeyPosition) -> SuccessionPlan:
    """The position's plan, created as a draft (and published) the first time it is needed."""
    plan = await session.get(SuccessionPlan, position.id)
    if plan is None:
        plan = SuccessionPlan(position_id=position.id, agency_id=position.agency_id, state="draft")
        session.add(plan)
        await session.flush()
        await publish_plan(session, ctx, position, plan)
    return plan


async def publish_plan(session: AsyncSession, ctx: Context, position: KeyPosition, plan: SuccessionPlan) -> None:
    rows = (await session.scalars(select(PlanCandidate).where(PlanCandidate.position_id == position.id,
                                                              PlanCandidate.active.is_(True))
                                  .order_by(PlanCandidate.score.desc(), PlanCandidate.nip))).all()
    await ctx.outbox.emit(session, PlanChanged(
        position_id=position.id, position_name=position.title, agency_id=position.agency_id, state=plan.state,
        ready_now=sum(_counts_as_ready(r) for r in rows), target_ready=position.target_ready_successors,
        candidates=[r.nip for r in rows], reason=plan.reopened_reason if plan.state == "draft" else None,
    ), subject=position.id, caused_by=ctx.cause)


def _counts_as_ready(row: PlanCandidate) -> bool:
    return row.active and row.readiness == READY_NOW and row.status != "rejected"


async def refresh_people(session: AsyncSession, ctx: Context, people: Collection[tuple[str, str]]) -> None:
    """After events about some ASN (nip, agency): their candidacies for their agencies' key positions."""
    by_agency: dict[str, set[str]] = {}
    for nip, agency_id in people:
        by_agency.setdefault(agency_id, set()).add(nip)
    if not by_agency.keys() & await _agencies_with_key_positions(session):
        return
    positions = (await session.scalars(select(KeyPosition).where(KeyPosition.agency_id.in_(by_agency))
                                       .order_by(KeyPosition.id))).all()
    for position in positions:
        await refresh_position(session, ctx, position, nips=by_agency[position.agency_id])


async def _agencies_with_key_positions(session: AsyncSession) -> set[str]:
    """Looked up once per transaction (a consumer batch is one), not once per run of events."""
    if "succession.key_position_agencies" not in session.info:
        session.info["succession.key_position_agencies"] = set(
            (await session.scalars(select(KeyPosition.agency_id).distinct())).all())
    return session.info["succession.key_position_agencies"]  # type: ignore[no-any-return]


async def refresh_position(session: AsyncSession, ctx: Context, position: KeyPosition,
                           nips: Collection[str] | None = None) -> None:
    """Recompute the position's candidates (all, or only `nips`), store them, publish what changed,
    and signal the position's risks."""
    plan = await plan_of(session, ctx, position)
    rules = await latest_rules(session, position.agency_id, position.position_type)
    plan.rules_version = rules.version if rules else None
    computed = await _candidacies(session, ctx, position, rules, nips)
    changes: list[str] = []  # what changed among the candidates, for a reviewed or set plan's reopening
    query = select(PlanCandidate).where(PlanCandidate.position_id == position.id)
    if nips is not None:
        query = query.where(PlanCandidate.nip.in_(nips))
    existing = {row.nip: row for row in (await session.scalars(query)).all()}
    for nip, (placement, candidacy, results) in computed.items():
        row = existing.get(nip)
        entering = row is None or not row.active
        if row is None:
            row = PlanCandidate(position_id=position.id, nip=nip, agency_id=position.agency_id, status="proposed",
                                override_decision_id=None)
            session.add(row)
        before = None if entering else row.readiness
        row.active, row.box, row.score = True, placement.box, candidacy.score
        row.computed_readiness, row.reasons = candidacy.readiness.value, list(candidacy.reasons)
        row.eligibility, row.rules_version = [r.as_dict() for r in results], plan.rules_version
        if row.override_decision_id is None:
            row.readiness = row.computed_readiness
        if entering:
            await ctx.outbox.emit(session, CandidateNominated(
                position_id=position.id, position_name=position.title, agency_id=position.agency_id, nip=nip,
                readiness=row.readiness, reasons=row.reasons), subject=position.id, caused_by=ctx.cause)
            await _clear(session, ctx, position, "successor_dropped_out", nip)
            changes.append(f"{nip} became a candidate")
        elif before != row.readiness:
            await publish_readiness(session, ctx, position, row, before, "computed: " + "; ".join(row.reasons), None)
            changes.append(f"{nip}'s readiness changed from {before} to {row.readiness}")
    for nip, row in existing.items():
        if nip not in computed and row.active:
            row.active = False
            changes.append(f"{nip} is no longer a candidate")
            if row.readiness != NOT_A_CANDIDATE and row.status != "rejected":
                await _signal(session, ctx, position, "successor_dropped_out", nip,
                              f"{nip} left the succession group (boxes 7–9) and is no longer a successor")
    await session.flush()
    if changes:
        await _reopen(session, ctx, position, plan, changes)
    await check_risks(session, ctx, position)


async def _reopen(session: AsyncSession, ctx: Context, position: KeyPosition, plan: SuccessionPlan,
                  changes: list[str]) -> None:
    """A reviewed or set plan whose candidates changed goes back to draft, saying why (and is published)."""
    state = domain.reopened(plan.state)
    if state is None:
        return
    plan.reopened_reason = (f"was {plan.state}; " + "; ".join(changes))[:2000]
    plan.state, plan.reviewed_decision_id, plan.set_decision_id = state, None, None
    await publish_plan(session, ctx, position, plan)


async def _candidacies(session: AsyncSession, ctx: Context, position: KeyPosition, rules: EligibilityRules | None,
                       nips: Collection[str] | None) -> dict[str, tuple[Placement, domain.Candidacy, list[RuleResult]]]:
    members, screened = await service.pool(session, domain.AGENCY_POOL_BOXES, agency_id=position.agency_id,
                                           as_of=ctx.as_of, nips=nips)
    people = [(p, None) for p, _ in members] + [(p, why) for p, _, why in screened]
    people = [(p, why) for p, why in people if p.nip != position.incumbent_nip]
    found = [p.nip for p, _ in people]
    if not found:
        return {}
    axes = {a.nip: a for a in (await session.scalars(  # as stored now: the axes are written set-based, not by the ORM
        select(TalentAxes).where(TalentAxes.nip.in_(found)).execution_options(populate_existing=True))).all()}
    known = {a.nip: a for a in (await session.scalars(select(KnownAsn).where(KnownAsn.nip.in_(found)))).all()}
    result = {}
    for placement, why in people:
        results = evaluate(rules.rules, facts_of(known.get(placement.nip), axes.get(placement.nip)),
                           as_of=ctx.as_of) if rules else []
        achieved = axes[placement.nip].competencies if placement.nip in axes else {}
        assert placement.box is not None
        result[placement.nip] = (placement, domain.assess_candidate(placement.box, achieved, position.standard, why,
                                                                    results), results)
    return result


async def publish_readiness(session: AsyncSession, ctx: Context, position: KeyPosition, row: PlanCandidate,
                            before: str | None, reason: str, decided_by: str | None) -> None:
    await ctx.outbox.emit(session, ReadinessChanged(
        position_id=position.id, position_name=position.title, agency_id=position.agency_id, nip=row.nip,
        from_readiness=before, to_readiness=row.readiness, reason=reason[:2000], decided_by=decided_by,
    ), subject=position.id, caused_by=ctx.cause)


async def check_risks(session: AsyncSession, ctx: Context, position: KeyPosition) -> None:
    """Signal (once) or clear the position's own risks: no ready successor; a retiring incumbent."""
    ready = await session.scalar(select(func.count()).select_from(PlanCandidate).where(
        PlanCandidate.position_id == position.id, PlanCandidate.active.is_(True),
        PlanCandidate.readiness == READY_NOW, PlanCandidate.status != "rejected")) or 0
    if ready == 0:
        await _signal(session, ctx, position, "no_ready_successor", "",
                      f"{position.title} has no successor ready now (target {position.target_ready_successors})")
    else:
        await _clear(session, ctx, position, "no_ready_successor", "")
    retires_on = await _incumbent_retires_on(session, ctx, position)
    incumbent = position.incumbent_nip or ""
    for stale in (await session.scalars(_open(position.id, "incumbent_retiring"))).all():
        if stale.nip != incumbent or retires_on is None:
            stale.cleared_at = ctx.at
    if retires_on is not None and domain.retiring_within(retires_on, ctx.as_of, ctx.settings.retirement_warning_months):
        await _signal(session, ctx, position, "incumbent_retiring", incumbent,
                      f"the incumbent {incumbent} retires on {retires_on.isoformat()}")
    elif retires_on is not None:
        await _clear(session, ctx, position, "incumbent_retiring", incumbent)


async def _incumbent_retires_on(session: AsyncSession, ctx: Context, position: KeyPosition) -> date | None:
    if position.incumbent_retires_on is not None or position.incumbent_nip is None:
        return position.incumbent_retires_on
    asn = await session.get(KnownAsn, position.incumbent_nip)
    if asn is None or asn.birth_date is None:
        return None
    return domain.retirement_date(asn.birth_date, position.position_type, age=ctx.settings.retirement_age,
                                  jpt_age=ctx.settings.retirement_age_jpt)


def _open(position_id: str, kind: str, nip: str | None = None) -> Select[Any]:
    query = select(RiskSignal).where(RiskSignal.position_id == position_id, RiskSignal.kind == kind,
                                     RiskSignal.cleared_at.is_(None))
    return query if nip is None else query.where(RiskSignal.nip == nip)


async def _signal(session: AsyncSession, ctx: Context, position: KeyPosition, kind: str, nip: str, detail: str) -> None:
    """Publish `risk.signaled` when the condition starts; while it lasts, nothing more."""
    if await session.scalar(_open(position.id, kind, nip).limit(1)) is not None:
        return
    session.add(RiskSignal(agency_id=position.agency_id, kind=kind, position_id=position.id, nip=nip, detail=detail,
                           detected_at=ctx.at))
    await ctx.outbox.emit(session, RiskSignaled(
        agency_id=position.agency_id, kind=kind, position_id=position.id,  # type: ignore[arg-type]
        position_name=position.title, nip=nip or None, detail=detail, detected_at=ctx.at,
    ), subject=position.id, caused_by=ctx.cause)


async def _clear(session: AsyncSession, ctx: Context, position: KeyPosition, kind: str, nip: str) -> None:
    for signal in (await session.scalars(_open(position.id, kind, nip))).all():
        signal.cleared_at = ctx.at
