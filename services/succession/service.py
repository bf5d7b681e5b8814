"""Succession use cases: keep each ASN's axes current and reclassify on every relevant event."""

from __future__ import annotations

from datetime import date
from collections.abc import Collection
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.succession import domain
from services.succession.eligibility import EDUCATION_RANK
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


async def remember_profile(session: AsyncSession, snapshot: ProfileSnapshot) -> KnownAsn:
    asn = await session.get(KnownAsn, snapshot.nip)
    if asn is None:
        asn = KnownAsn(nip=snapshot.nip, training_hours={})
        session.add(asn)
    asn.agency_id, asn.unit_id, asn.name = snapshot.agency_id, snapshot.unit_id, snapshot.name
    asn.birth_date, asn.position_type, asn.golongan = snapshot.birth_date, snapshot.position_type, snapshot.golongan
    asn.position_code = snapshot.position_code
    if snapshot.positions is not None:
        asn.positions = [spell.model_dump(mode="json") for spell in snapshot.positions]
    return asn


async def _axes(session: AsyncSession, nip: str, agency_id: str) -> TalentAxes:
    axes = await session.get(TalentAxes, nip)
    if axes is None:
        axes = TalentAxes(nip=nip, agency_id=agency_id, competencies={}, gaps=[], ratings={})
        session.add(axes)
    axes.agency_id = agency_id
    return axes


async def apply_performance(session: AsyncSession, outbox: Outbox, envelope: Envelope) -> Placement | None:
    data = envelope.payload(PerformanceRated)
    axes = await _axes(session, data.nip, data.agency_id)
    axes.ratings = {**axes.ratings, str(data.year): data.rating.value}
    if axes.performance_year is not None and data.year < axes.performance_year:
        return None  # an older year arriving late never overrides a newer one (its rating is kept for eligibility)
    axes.performance_level, axes.performance_year = data.performance_level.value, data.year
    axes.performance_policy, axes.performance_event_id = data.policy_version, str(envelope.event_id)
    return await reclassify(session, outbox, axes, envelope)


async def apply_assessment(session: AsyncSession, outbox: Outbox, envelope: Envelope) -> Placement | None:
    data = envelope.payload(AssessmentCompleted)
    axes = await _axes(session, data.nip, data.agency_id)
    if axes.assessed_on is not None and data.assessed_on < axes.assessed_on:
        return None  # a re-assessment supersedes; an older one arriving late does not
    axes.potential_level, axes.jpm, axes.assessed_on = data.potential_level.value, data.jpm, data.assessed_on
    axes.potential_valid_until, axes.potential_policy = data.valid_until, data.policy_version
    axes.potential_event_id = str(envelope.event_id)
    axes.competencies = {gap.competency: gap.achieved for gap in data.gaps}
    axes.gaps = [gap.model_dump() for gap in data.gaps]
    return await reclassify(session, outbox, axes, envelope)


def latest_placements(nips: Collection[str] | None = None) -> Any:
    """A subquery of (nip, sequence) of each ASN's current placement (of `nips` only, when given);
    join Placement on both columns."""
    query = select(Placement.nip, func.max(Placement.sequence).label("sequence")).group_by(Placement.nip)
    if nips is not None:
        query = query.where(Placement.nip.in_(nips))
    return query.subquery()


async def current_placement(session: AsyncSession, nip: str) -> Placement | None:
    return await session.scalar(
        select(Placement).where(Placement.nip == nip).order_by(Placement.sequence.desc()).limit(1)
    )


async def reclassify(session: AsyncSession, outbox: Outbox, axes: TalentAxes, cause: Envelope) -> Placement | None:
    """Place the ASN from their axes; record a placement when the computed box changes, and publish
    `talent.reclassified` when the (effective) box moved. A committee calibration stands until the
    inputs move the computed box. Returns the new placement, if any."""
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
    if current is not None and current.computed_box == decision.box:
        return None
    placement = Placement(
        nip=axes.nip, agency_id=axes.agency_id, box=decision.box, computed_box=decision.box,
        performance_level=axes.performance_level, potential_level=axes.potential_level,
        reasons=list(decision.reasons),
        policy_versions={"performance": axes.performance_policy, "potential": axes.potential_policy},
        cause_event_id=str(cause.event_id), placed_at=cause.occurred_at,
        sequence=(current.sequence + 1) if current else 1,
    )
    session.add(placement)
    await publish_move(session, outbox, current, placement, cause)
    return placement


async def publish_move(session: AsyncSession, outbox: Outbox, current: Placement | None, placement: Placement,
                       cause: Envelope) -> None:
    """`talent.reclassified` when the placement moved the ASN from one box (or none) to another."""
    from_box = current.box if current else None
    if from_box == placement.box:
        return  # first record of an unmapped ASN, or the computed box caught up with a calibration
    await outbox.emit(session, TalentReclassified(
        nip=placement.nip, agency_id=placement.agency_id, from_box=from_box, to_box=placement.box,
        performance_level=placement.performance_level, potential_level=placement.potential_level,
        reasons=list(placement.reasons),
        recommendations=list(domain.RECOMMENDATIONS[placement.box]) if placement.box else [],
        cause_event_id=cause.event_id, placed_at=placement.placed_at, computed_box=placement.computed_box,
        calibration_decision_id=placement.calibration_decision_id,
    ), subject=placement.nip, caused_by=cause)


async def remember_portfolio(session: AsyncSession, envelope: Envelope) -> None:
    """Keep what succession needs of the portfolio: penalties (they screen candidates out), the highest
    education (eligibility) and training hours per year (the ≥ 20 JP rule)."""
    data = envelope.payload(PortfolioChanged)
    asn = await session.get(KnownAsn, data.nip)
    if asn is not None:
        asn.training_hours = {str(year): hours for year, hours in data.training_hours_by_year.items()}
        if data.kind == "education":
            level = str(data.item["level"])
            current = EDUCATION_RANK.get(asn.education_level or "", -1)
            if EDUCATION_RANK.get(level, -1) > current:
                asn.education_level = level
    if data.kind != "penalty":
        return
    penalty = await session.get(PenaltyKnown, data.item_id) or PenaltyKnown(item_id=data.item_id)
    penalty.nip, penalty.level = data.nip, str(data.item["level"])
    penalty.starts_on = date.fromisoformat(str(data.item["starts_on"]))
    penalty.ends_on = date.fromisoformat(str(data.item["ends_on"])) if data.item.get("ends_on") else None
    session.add(penalty)


async def pool(session: AsyncSession, boxes: frozenset[int], *, agency_id: str | None, as_of: date,
               nips: Collection[str] | None = None,
               ) -> tuple[list[tuple[Placement, str]], list[tuple[Placement, str, str]]]:
    """ASN whose current box is in `boxes` (in one agency, or all; of `nips` only, when given): members,
    and those screened out with why."""
    latest = latest_placements(nips)
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
