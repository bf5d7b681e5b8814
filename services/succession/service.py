"""Succession use cases: keep each ASN's axes current and reclassify on every relevant event."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.succession import domain
from services.succession.models import KnownAsn, PenaltyKnown, Placement, TalentAxes
from shared.events import Envelope
from shared.events.schemas import (
    AssessmentCompleted,
    PerformanceRated,
    PortfolioChanged,
    ProfileSnapshot,
    TalentReclassified,
)
from shared.events.vocabulary import PerformanceLevel, PotentialLevel
from shared.outbox import Outbox


async def remember_profile(session: AsyncSession, snapshot: ProfileSnapshot) -> None:
    asn = await session.get(KnownAsn, snapshot.nip)
    if asn is None:
        session.add(KnownAsn(nip=snapshot.nip, agency_id=snapshot.agency_id, unit_id=snapshot.unit_id,
                             name=snapshot.name))
    else:
        asn.agency_id, asn.unit_id, asn.name = snapshot.agency_id, snapshot.unit_id, snapshot.name


async def _axes(session: AsyncSession, nip: str, agency_id: str) -> TalentAxes:
    axes = await session.get(TalentAxes, nip)
    if axes is None:
        axes = TalentAxes(nip=nip, agency_id=agency_id)
        session.add(axes)
    axes.agency_id = agency_id
    return axes


async def apply_performance(session: AsyncSession, outbox: Outbox, envelope: Envelope) -> None:
    data = envelope.payload(PerformanceRated)
    axes = await _axes(session, data.nip, data.agency_id)
    if axes.performance_year is not None and data.year < axes.performance_year:
        return  # an older year arriving late never overrides a newer one
    axes.performance_level, axes.performance_year = data.performance_level.value, data.year
    axes.performance_policy, axes.performance_event_id = data.policy_version, str(envelope.event_id)
    await reclassify(session, outbox, axes, envelope)


async def apply_assessment(session: AsyncSession, outbox: Outbox, envelope: Envelope) -> None:
    data = envelope.payload(AssessmentCompleted)
    axes = await _axes(session, data.nip, data.agency_id)
    if axes.assessed_on is not None and data.assessed_on < axes.assessed_on:
        return  # a re-assessment supersedes; an older one arriving late does not
    axes.potential_level, axes.jpm, axes.assessed_on = data.potential_level.value, data.jpm, data.assessed_on
    axes.potential_valid_until, axes.potential_policy = data.valid_until, data.policy_version
    axes.potential_event_id = str(envelope.event_id)
    axes.competencies = {gap.competency: gap.achieved for gap in data.gaps}
    await reclassify(session, outbox, axes, envelope)


def latest_placements() -> Any:
    """A subquery of (nip, sequence) of each ASN's current placement; join Placement on both columns."""
    return select(Placement.nip, func.max(Placement.sequence).label("sequence")).group_by(Placement.nip).subquery()


async def current_placement(session: AsyncSession, nip: str) -> Placement | None:
    return await session.scalar(
        select(Placement).where(Placement.nip == nip).order_by(Placement.sequence.desc()).limit(1)
    )


async def reclassify(session: AsyncSession, outbox: Outbox, axes: TalentAxes, cause: Envelope) -> None:
    """Place the ASN from their axes; record a placement when the box changes, and publish
    `talent.reclassified` when it moved from one box (or none) to another."""
    await session.flush()
    decision = domain.place(
        domain.Axes(
            performance_level=PerformanceLevel(axes.performance_level) if axes.performance_level else None,
            performance_year=axes.performance_year,
            potential_level=PotentialLevel(axes.potential_level) if axes.potential_level else None,
            jpm=axes.jpm,
            potential_valid_until=axes.potential_valid_until,
        ),
        as_of=cause.occurred_at.date(),
    )
    current = await current_placement(session, axes.nip)
    if current is not None and current.box == decision.box:
        return
    placement = Placement(
        nip=axes.nip, agency_id=axes.agency_id, box=decision.box,
        performance_level=axes.performance_level, potential_level=axes.potential_level,
        reasons=list(decision.reasons),
        policy_versions={"performance": axes.performance_policy, "potential": axes.potential_policy},
        cause_event_id=str(cause.event_id), placed_at=cause.occurred_at,
        sequence=(current.sequence + 1) if current else 1,
    )
    session.add(placement)
    from_box = current.box if current else None
    if from_box == decision.box:
        return  # first record of an unmapped ASN: nothing moved
    await outbox.emit(session, TalentReclassified(
        nip=axes.nip, agency_id=axes.agency_id, from_box=from_box, to_box=decision.box,
        performance_level=placement.performance_level, potential_level=placement.potential_level,
        reasons=list(decision.reasons), recommendations=list(decision.recommendations),
        cause_event_id=cause.event_id, placed_at=cause.occurred_at,
    ), subject=axes.nip, caused_by=cause)


async def remember_penalty(session: AsyncSession, envelope: Envelope) -> None:
    """Keep the disciplinary penalties that screen candidates out (other portfolio kinds are not needed)."""
    data = envelope.payload(PortfolioChanged)
    if data.kind != "penalty":
        return
    penalty = await session.get(PenaltyKnown, data.item_id) or PenaltyKnown(item_id=data.item_id)
    penalty.nip, penalty.level = data.nip, str(data.item["level"])
    penalty.starts_on = date.fromisoformat(str(data.item["starts_on"]))
    penalty.ends_on = date.fromisoformat(str(data.item["ends_on"])) if data.item.get("ends_on") else None
    session.add(penalty)


async def pool(session: AsyncSession, boxes: frozenset[int], *, agency_id: str | None, as_of: date
               ) -> tuple[list[tuple[Placement, str]], list[tuple[Placement, str, str]]]:
    """ASN whose current box is in `boxes` (in one agency, or all): members, and those screened out with why."""
    latest = latest_placements()
    query = (select(Placement, KnownAsn.name)
             .join(latest, (Placement.nip == latest.c.nip) & (Placement.sequence == latest.c.sequence))
             .outerjoin(KnownAsn, KnownAsn.nip == Placement.nip)
             .where(Placement.box.in_(boxes)).order_by(Placement.box.desc(), Placement.nip))
    if agency_id is not None:
        query = query.where(Placement.agency_id == agency_id)
    rows = (await session.execute(query)).all()
    penalties: dict[str, list[domain.PenaltyRecord]] = {}
    for p in (await session.scalars(select(PenaltyKnown).where(PenaltyKnown.nip.in_([r[0].nip for r in rows])))).all():
        penalties.setdefault(p.nip, []).append(domain.PenaltyRecord(p.level, p.starts_on, p.ends_on))
    members, screened = [], []
    for placement, name in rows:
        reason = domain.screened_out(penalties.get(placement.nip, []), as_of=as_of)
        if reason:
            screened.append((placement, name or "", reason))
        else:
            members.append((placement, name or ""))
    return members, screened
