"""One way to run a service's background loop (outbox relay, import runner, periodic sweeps):
started in the lifespan, cancelled and awaited at shutdown."""

from __future__ import annotations

import asyncio
from abc import ABC, abstractmethod


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
