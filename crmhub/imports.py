"""The import worker of one app process: runs queued import jobs (resolvers/imports/worker.py)
and takes over those whose worker died. Every process may run one: a job is held by one
worker at a time, through its lease.

Woken when a job is queued in this process, and every poll interval (for jobs queued
through other processes, and leases that ran out)."""

from __future__ import annotations

import asyncio
import logging

from crmhub.periodic import Periodic
from resolvers.context import Services
from resolvers.imports.worker import release, run_pending, worker_name

log = logging.getLogger(__name__)


class ImportWorker:
    def __init__(self, services: Services, poll_seconds: float) -> None:
        self.services = services
        self.name = worker_name()
        self._loop = Periodic("import-worker", self.run_once, poll_seconds)
        self._running = asyncio.Lock()

    def start(self) -> None:
        self.services.imports.wake = self._loop.wake
        self._loop.start()

    async def stop(self) -> None:
        self.services.imports.wake = None
        await self._loop.stop()
        # A batch cut short by the stop was rolled back: its job may go on elsewhere now.
        try:
            await release(self.services, self.name)
        except Exception:
            log.warning("import worker: could not release its jobs; their leases will run out")

    async def run_once(self) -> int:
        """Runs every job waiting (or abandoned); returns how many."""
        async with self._running:
            return await run_pending(self.services, self.name)
