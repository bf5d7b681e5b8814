"""Work that comes with the calendar rather than with an event, each done by one instance at a time:

- risks: an incumbent comes within 12 months of retirement on a day nothing happens to their position;
  every key position's own risks are checked (signalled once per onset, as on every refresh);
- parked events whose ASN is known by now, when nothing else released them (a safety net: the ASN's
  arrival lock makes the transaction storing a profile see every event parked for it)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from services.succession import handlers, parking, plans
from services.succession.models import KeyPosition
from shared.background import PeriodicSweep
from shared.db import try_instance_lock
from shared.service_app import Runtime


class RiskSweep(PeriodicSweep):
    task_name = "succession-risk-sweep"

    def __init__(self, runtime: Runtime, *, interval_seconds: float) -> None:
        self._runtime, self.interval_seconds = runtime, interval_seconds

    async def sweep(self, now: datetime) -> int:
        """Check every key position's risks as of `now`; returns how many positions were checked (none
        while another instance is sweeping: both would see the same onset and signal it twice)."""
        async with self._runtime.sessions() as session, session.begin():
            if not await try_instance_lock(session, self.task_name):
                return 0
            ctx = plans.Context.now(self._runtime, now)
            positions = (await session.scalars(select(KeyPosition).order_by(KeyPosition.id))).all()
            for position in positions:
                await plans.check_risks(session, ctx, position)
        return len(positions)


class ParkedEventsSweep(PeriodicSweep):
    task_name = "succession-parked-events-sweep"

    def __init__(self, runtime: Runtime, *, interval_seconds: float, page_size: int = 1000) -> None:
        self._runtime, self.interval_seconds, self._page_size = runtime, interval_seconds, page_size

    async def sweep(self, now: datetime) -> int:
        """Apply the parked events of ASN known by now, a page of ASN per transaction; returns how many
        events were applied."""
        applied = 0
        while True:
            async with self._runtime.sessions() as session, session.begin():
                if not await try_instance_lock(session, self.task_name):
                    return applied
                nips = await parking.known_with_parked_events(session, self._page_size)
                events = await parking.release(session, nips)
                if not events:
                    return applied
                await handlers.reclassify(session, self._runtime, events)
            applied += len(events)
