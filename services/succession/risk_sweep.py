"""Risks that arrive with the calendar, not with an event: an incumbent comes within 12 months of
retirement on a day nothing happens to their position. A periodic sweep checks every key position's
own risks (signalled once per onset, as on every refresh)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from services.succession import plans
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
