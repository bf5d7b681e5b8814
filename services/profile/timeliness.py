"""The timeliness check fails 12 months after a profile's last update — a date passing, not a change.
A periodic sweep recomputes the index of the profiles that went stale since the previous sweep, so the
ASN is told (data_quality.changed → a reminder) without any edit to their profile."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.profile.data_quality import STALE_AFTER
from services.profile.models import Profile
from services.profile.service import refresh_data_quality
from shared.background import PeriodicSweep
from shared.db import try_instance_lock
from shared.outbox import Outbox


class TimelinessSweep(PeriodicSweep):
    task_name = "data-quality-timeliness"

    def __init__(self, sessions: async_sessionmaker[AsyncSession], outbox: Outbox, *, interval_seconds: float,
                 page_size: int = 500) -> None:
        self._sessions, self._outbox = sessions, outbox
        self.interval_seconds, self._page_size = interval_seconds, page_size
        self._swept_until: datetime | None = None  # profiles last updated before this were looked at

    async def sweep(self, now: datetime) -> int:
        """Recompute every profile that went stale since the last sweep (all stale ones, the first time);
        returns how many were looked at. One transaction per page, one instance at a time."""
        cutoff, after_nip, looked_at = now - STALE_AFTER, "", 0
        while True:
            async with self._sessions() as session, session.begin():
                if not await try_instance_lock(session, self.task_name):
                    break  # another instance is sweeping (both would publish the same change)
                query = select(Profile).where(Profile.updated_at < cutoff, Profile.nip > after_nip)
                if self._swept_until is not None:
                    query = query.where(Profile.updated_at >= self._swept_until)
                page = (await session.scalars(query.order_by(Profile.nip).limit(self._page_size))).all()
                if not page:
                    break
                await refresh_data_quality(session, self._outbox, page, changed=False, now=now)
            looked_at, after_nip = looked_at + len(page), page[-1].nip
        self._swept_until = cutoff
        return looked_at
