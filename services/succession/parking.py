"""Events about an ASN succession has no profile of yet: parked with the reason, not placed.

Profiles and ratings/assessments travel on different topics, so a rating can be consumed before the
profile it is about (a replay, a lagging partition) — and a NIP that never gets a profile must not put
a stranger in the pools. Such an event is parked; it is applied, in the order it arrived, as soon as
the ASN is known: with their profile, or with their next event. The two transactions — one storing a
profile, one parking an event of that ASN — take turns on the ASN's arrival lock, so the second always
sees what the first did (without it, two such transactions committing at once saw neither the other,
and the events stayed parked). A periodic sweep applies anything left parked for a known ASN all the
same (a safety net; it finds nothing when the locks do their work). Every placement is
judged on its event's own time, so applying a parked event later gives exactly the placements that
applying it at once would have: replay stays deterministic."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import UTC, datetime
from typing import cast

from sqlalchemy import Table, delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.succession.models import KnownAsn, ParkedEvent
from shared.db import among, bulk_insert, lock_keys
from shared.events import Envelope

PARKED = cast(Table, ParkedEvent.__table__)
LOCKS = "succession:asn-arrival"  # an ASN's profile arriving and their events being parked take turns
UNKNOWN_NIP = "unknown NIP: no profile of this ASN has been received yet; applied when it arrives"


async def known(session: AsyncSession, nips: Collection[str]) -> set[str]:
    """Which of `nips` have a profile (pending ones of this transaction included)."""
    return set((await session.scalars(select(KnownAsn.nip).where(among(session, KnownAsn.nip, nips)))).all())


async def known_or_to_park(session: AsyncSession, nips: Collection[str]) -> set[str]:
    """Which of `nips` have a profile; for the others, hold their arrival locks (until commit) so that
    a profile being stored right now is either seen here or sees what this transaction parks."""
    found = await known(session, nips)
    unknown = set(nips) - found
    if unknown:
        await lock_keys(session, LOCKS, unknown)
        found |= await known(session, unknown)  # a profile committed while this waited for its lock
    return found


async def release_on_arrival(session: AsyncSession, nips: Collection[str]) -> list[Envelope]:
    """The parked events of ASN whose profiles this transaction has just stored, taken under their arrival
    locks: a transaction parking one of their events right now is waited for and its events seen."""
    await session.flush()  # the profiles are in the table before the locks are taken
    await lock_keys(session, LOCKS, nips)
    return await release(session, nips)


async def park(session: AsyncSession, envelopes: Sequence[Envelope], reason: str = UNKNOWN_NIP) -> None:
    now = datetime.now(UTC)
    await bulk_insert(session, PARKED, [
        {"event_id": str(e.event_id), "nip": e.subject, "agency_id": str(e.data.get("agency_id", "")),
         "event_type": e.type, "envelope": e.to_bytes().decode(), "reason": reason, "parked_at": now}
        for e in envelopes])


async def release(session: AsyncSession, nips: Collection[str]) -> list[Envelope]:
    """Take the parked events of `nips` out of the parking, in the order they arrived (a concurrent
    release of the same events gets none of them)."""
    if not nips:
        return []
    rows = (await session.execute(delete(PARKED).where(among(session, PARKED.c.nip, nips))
                                  .returning(PARKED.c.id, PARKED.c.envelope))).all()
    return [Envelope.model_validate_json(envelope) for _, envelope in sorted(rows)]


async def known_with_parked_events(session: AsyncSession, limit: int) -> list[str]:
    """NIPs that have parked events and a profile by now (for the sweep)."""
    return list((await session.scalars(
        select(PARKED.c.nip).distinct().join(KnownAsn, KnownAsn.nip == PARKED.c.nip).limit(limit))).all())
