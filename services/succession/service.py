"""Succession use cases: keep each ASN's axes current and reclassify on every relevant event."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.succession import domain
from services.succession.models import KnownAsn, Placement, TalentAxes
from shared.events import Envelope
from shared.events.schemas import AssessmentCompleted, PerformanceRated, ProfileSnapshot, TalentReclassified
from shared.events.vocabulary import PerformanceLevel, PotentialLevel
from shared.outbox import Outbox


async def remember_profile(session: AsyncSession, snapshot: ProfileSnapshot) -> None:
    asn = await session.get(KnownAsn, snapshot.nip)
    if asn is None:
        session.add(KnownAsn(nip=snapshot.nip, agency_id=snapshot.agency_id, name=snapshot.name))
    else:
        asn.agency_id, asn.name = snapshot.agency_id, snapshot.name


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
    await reclassify(session, outbox, axes, envelope)


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
