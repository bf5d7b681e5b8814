"""Assessment use cases shared by the others: the read model of ASN, SKP ratings and the performance axis."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.assessment import domain
from services.assessment.models import KnownAsn, PerformanceRating, PerformanceStanding
from services.assessment.policy import current_policy
from services.assessment.schemas import PerformanceRatingIn
from services.assessment.writes import upsert_rows
from shared.auth import Principal
from shared.errors import Problem, field_error
from shared.events.schemas import PerformanceRated, ProfileSnapshot
from shared.events.vocabulary import Rating
from shared.outbox import Outbox


async def asn_in_scope(session: AsyncSession, nip: str, principal: Principal, *, lock: bool = False) -> KnownAsn:
    """The ASN from the read model, within the caller's agency; `lock` serialises writes per ASN (PostgreSQL)."""
    query = select(KnownAsn).where(KnownAsn.nip == nip)
    asn = await session.scalar(query.with_for_update() if lock else query)
    if asn is None or not principal.can_see_agency(asn.agency_id):
        raise field_error("nip", f"no ASN with NIP {nip} is known in your agency (is the profile registered?)")
    return asn


def person_in_scope(asn: KnownAsn | None, nip: str, principal: Principal) -> KnownAsn:
    """For reads: 404 (not 403) for someone the caller may not see, so nothing is revealed."""
    if asn is None or not principal.can_see_person(nip, asn.agency_id):
        raise Problem(404, "Not found", f"No ASN {nip} is visible to you.")
    return asn


async def record_rating(
    session: AsyncSession, outbox: Outbox, body: PerformanceRatingIn, principal: Principal
) -> tuple[PerformanceRating, bool]:
    """Returns the rating and whether it is new; the same rating sent again changes nothing."""
    rating = body.rating or domain.rating_from_judgements(body.hasil_kerja, body.perilaku_kerja)  # type: ignore[arg-type]
    async with session.begin():
        asn = await asn_in_scope(session, body.nip, principal, lock=True)
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
        policy = await current_policy(session, asn.agency_id)
        previous = await session.scalar(select(PerformanceStanding.performance_level)
                                        .where(PerformanceStanding.nip == body.nip))
        values, event = performance_update(asn.nip, asn.agency_id, {y: Rating(r) for y, r in history}, previous,
                                           policy, rated_year=body.year)
        if values is not None:
            await upsert_rows(session, PerformanceStanding.__table__, [{**values, "updated_at": datetime.now(UTC)}],
                              "nip")
        if event is not None:
            await outbox.emit(session, event, subject=asn.nip)
    return row, True


def performance_update(
    nip: str, agency_id: str, ratings: Mapping[int, Rating], previous_level: str | None,
    policy: domain.AgencyPolicy, *, rated_year: int | None = None, reason: str | None = None,
) -> tuple[dict[str, Any] | None, PerformanceRated | None]:
    """The ASN's standing (column values) by the policy, and the event to publish: always for a new rating
    (`rated_year`); for a re-evaluation only when the level changed. (None, None) without any rating."""
    result = domain.performance_level(ratings, policy)
    if result is None:
        return None, None
    values = {"nip": nip, "agency_id": agency_id, "performance_level": result.level.value,
              "years_considered": result.years_considered, "average_score": result.average_score,
              "latest_year": max(ratings), "policy_version": policy.version}
    if rated_year is None and previous_level == result.level.value:
        return values, None
    # The event speaks for the latest rated year (what the level stands for): a late rating of an earlier
    # year that moves the level is published under the latest year, naming the year just recorded, so a
    # consumer that keeps the newest year's level does not drop it as out of date.
    latest = max(ratings)
    return values, PerformanceRated.model_validate({
        "nip": nip, "agency_id": agency_id, "year": latest, "rating": ratings[latest],
        "performance_level": result.level, "years_considered": result.years_considered,
        "policy_version": policy.version, "average_score": result.average_score, "reason": reason,
        "recorded_year": rated_year if rated_year is not None and rated_year != latest else None,
    })


async def remember_profiles(session: AsyncSession, snapshots: Sequence[ProfileSnapshot]) -> None:
    """Keep the read model of ASN current from profile snapshots, in offset order (idempotent upserts)."""
    latest = {s.nip: s for s in snapshots}  # a later snapshot of the same ASN wins
    known = {a.nip: a for a in (await session.scalars(select(KnownAsn).where(KnownAsn.nip.in_(list(latest))))).all()}
    for nip, snapshot in latest.items():
        asn = known.get(nip)
        if asn is None:
            asn = KnownAsn(nip=nip)
            session.add(asn)
        asn.agency_id, asn.name, asn.position_type = snapshot.agency_id, snapshot.name, snapshot.position_type
        asn.position_code, asn.position_title = snapshot.position_code, snapshot.position_title
