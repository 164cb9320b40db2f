"""The process's automation runner: a task that runs pending rules whenever the bus says
events were written, and on a poll (the bus may lose messages, or be down). The logic, and
why every process may run it, is in resolvers/automation/runner.py."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from resolvers.automation.runner import run_pending
from resolvers.context import Services
from subscriptions.bus import stop_task

log = logging.getLogger(__name__)


class AutomationLoop:
    def __init__(self, services: Services, *, poll_seconds: float, depth_limit: int) -> None:
        self.services = services
        self.poll_seconds = poll_seconds
        self.depth_limit = depth_limit
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def wake(self) -> None:
        self._wake.set()

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="automation")

    async def stop(self) -> None:
        if self._task is not None:
            await stop_task(self._task)
            self._task = None

    async def _run(self) -> None:
        while True:
            self._wake.clear()
            try:
                await run_pending(self.services, self.depth_limit)
            except Exception:
                # The database may be down: the next wake-up or poll tries again.
                log.exception("automation runner failed to read the event log")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.poll_seconds)
