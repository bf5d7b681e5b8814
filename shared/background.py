"""One way to run a service's background loop (outbox relay, import runner, periodic sweeps):
started in the lifespan, cancelled and awaited at shutdown."""

from __future__ import annotations

import asyncio
import logging
from abc import ABC, abstractmethod
from datetime import UTC, datetime

log = logging.getLogger(__name__)


class BackgroundLoop(ABC):
    task_name = "background"

    _task: asyncio.Task[None] | None = None

    @abstractmethod
    async def _run(self) -> None: ...

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=self.task_name)

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None


class PeriodicSweep(BackgroundLoop):
    """Work that comes with the calendar, not with an event: `sweep(now)` every `interval_seconds`."""

    interval_seconds: float

    @abstractmethod
    async def sweep(self, now: datetime) -> int: ...

    async def _run(self) -> None:
        while True:
            try:
                await self.sweep(datetime.now(UTC))
            except Exception as exc:  # the database is away, say: the next round catches up
                log.warning("%s failed, trying again next round: %r", self.task_name, exc)
            await asyncio.sleep(self.interval_seconds)
