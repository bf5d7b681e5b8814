"""Events about an ASN succession has no profile of yet: parked with the reason, not placed.

Profiles and ratings/assessments travel on different topics, so a rating can be consumed before the
profile it is about (a replay, a lagging partition) — and a NIP that never gets a profile must not put
a stranger in the pools. Such an event is parked; it is applied, in the order it arrived, as soon as
the ASN is known: with their profile, with their next event, or by the sweep (a profile and a parked
event committed at the same moment by two transactions see neither the other). Every placement is
judged on its event's own time, so applying a parked event later gives exactly the placements that
applying it at once would have: replay stays deterministic."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import UTC, datetime
from typing import cast

from sqlalchemy import Table, delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.succession.models import KnownAsn, ParkedEvent
from shared.db import among, bulk_insert
from shared.events import Envelope

PARKED = cast(Table, ParkedEvent.__table__)
UNKNOWN_NIP = "unknown NIP: no profile of this ASN has been received yet; applied when it arrives"


async def known(session: AsyncSession, nips: Collection[str]) -> set[str]:
    """Which of `nips` have a profile (pending ones of this transaction included)."""
    return set((await session.scalars(select(KnownAsn.nip).where(among(session, KnownAsn.nip, nips)))).all())


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
