"""Assessment use cases: record ratings and assessments, compute the axes, emit events via the outbox."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.assessment import domain
from services.assessment.models import Assessment, KnownAsn, PerformanceRating
from services.assessment.schemas import AssessmentIn, PerformanceRatingIn
from shared.auth import Principal
from shared.errors import Problem, field_error
from shared.events.schemas import AssessmentCompleted, CompetencyGap, PerformanceRated, ProfileSnapshot
from shared.events.vocabulary import Rating
from shared.outbox import Outbox

POLICY = domain.DEFAULT_POLICY


async def _asn_in_scope(session: AsyncSession, nip: str, principal: Principal) -> KnownAsn:
    asn = await session.get(KnownAsn, nip)
    if asn is None or not principal.can_see_agency(asn.agency_id):
        raise field_error("nip", f"no ASN with NIP {nip} is known in your agency (is the profile registered?)")
    return asn


async def record_rating(
    session: AsyncSession, outbox: Outbox, body: PerformanceRatingIn, principal: Principal
) -> tuple[PerformanceRating, bool]:
    """Returns the rating and whether it is new; the same rating sent again changes nothing."""
    rating = body.rating or domain.rating_from_judgements(body.hasil_kerja, body.perilaku_kerja)  # type: ignore[arg-type]
    async with session.begin():
        asn = await _asn_in_scope(session, body.nip, principal)
        existing = await session.scalar(
            select(PerformanceRating).where(PerformanceRating.nip == body.nip, PerformanceRating.year == body.year)
        )
        if existing is not None:
            if existing.rating == rating:
                return existing, False
            raise Problem(409, "Already rated", f"{body.nip} already has the rating {existing.rating} for {body.year}.",
                          errors=[{"field": "year", "message": "already rated"}])
        row = PerformanceRating(nip=body.nip, agency_id=asn.agency_id, year=body.year, rating=rating.value,
                                hasil_kerja=body.hasil_kerja, perilaku_kerja=body.perilaku_kerja,
                                recorded_by=principal.subject)
        session.add(row)
        await session.flush()
        history = (await session.execute(
            select(PerformanceRating.year, PerformanceRating.rating).where(PerformanceRating.nip == body.nip)
        )).all()
        result = domain.performance_level({year: Rating(r) for year, r in history}, POLICY)
        assert result is not None  # the rating just added is there
        await outbox.emit(session, PerformanceRated(
            nip=body.nip, agency_id=asn.agency_id, year=body.year, rating=rating,
            performance_level=result.level, years_considered=result.years_considered, policy_version=POLICY.version,
        ), subject=body.nip)
    return row, True


async def record_assessment(
    session: AsyncSession, outbox: Outbox, body: AssessmentIn, principal: Principal
) -> tuple[Assessment, bool]:
    """Returns the assessment and whether it is new; the same (NIP, date, method) is never stored twice."""
    scores = [domain.CompetencyScore(c.competency, c.required, c.achieved) for c in body.competencies]
    jpm = domain.job_person_match(scores)
    level = domain.potential_level(jpm, POLICY)
    async with session.begin():
        asn = await _asn_in_scope(session, body.nip, principal)
        existing = await session.scalar(select(Assessment).where(
            Assessment.nip == body.nip, Assessment.assessed_on == body.assessed_on, Assessment.method == body.method
        ))
        if existing is not None:
            return existing, False
        row = Assessment(
            nip=body.nip, agency_id=asn.agency_id, assessed_on=body.assessed_on, method=body.method.value,
            assessor=body.assessor, competencies=[c.model_dump() for c in body.competencies], jpm=jpm,
            potential_level=level.value, valid_until=domain.valid_until(body.assessed_on, POLICY),
            policy_version=POLICY.version, recorded_by=principal.subject,
        )
        session.add(row)
        await session.flush()
        await outbox.emit(session, AssessmentCompleted(
            nip=row.nip, agency_id=row.agency_id, assessment_id=row.id, assessed_on=row.assessed_on,
            method=row.method, jpm=jpm, potential_level=level, valid_until=row.valid_until,
            gaps=[CompetencyGap(competency=s.competency, required=s.required, achieved=s.achieved, gap=s.gap)
                  for s in scores],
            policy_version=POLICY.version,
        ), subject=row.nip)
    return row, True


async def remember_profile(session: AsyncSession, snapshot: ProfileSnapshot) -> None:
    """Keep the read model of ASN current from a profile snapshot (idempotent upsert)."""
    asn = await session.get(KnownAsn, snapshot.nip)
    if asn is None:
        session.add(KnownAsn(nip=snapshot.nip, agency_id=snapshot.agency_id, name=snapshot.name,
                             position_type=snapshot.position_type))
    else:
        asn.agency_id, asn.name, asn.position_type = snapshot.agency_id, snapshot.name, snapshot.position_type
