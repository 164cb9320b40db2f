"""The process's overdue-task scan: every so often, announce the tasks that passed their
deadline unfinished (resolvers/tasks/overdue.py says why every process may scan at once)."""

from __future__ import annotations

import asyncio
import logging

from models import SessionFactory
from resolvers.tasks.overdue import announce_overdue_tasks
from subscriptions.bus import stop_task

log = logging.getLogger(__name__)


class OverdueTaskScan:
    def __init__(self, session_factory: SessionFactory, *, every_seconds: float) -> None:
        self.session_factory = session_factory
        self.every_seconds = every_seconds
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        if self.every_seconds > 0:
            self._task = asyncio.create_task(self._run(), name="overdue-tasks")

    async def stop(self) -> None:
        if self._task is not None:
            await stop_task(self._task)
            self._task = None

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.every_seconds)
            try:
                # A full batch may leave more behind: go on until a pass finds less.
                while await announce_overdue_tasks(self.session_factory) > 0:
                    pass
            except Exception:
                # The database may be down: the next pass tries again.
                log.exception("the overdue-task scan failed")
