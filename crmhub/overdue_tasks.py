"""The process's overdue-task scan: every so often, announce the tasks that passed their
deadline unfinished (resolvers/tasks/overdue.py says why every process may scan at once)."""

from __future__ import annotations

from crmhub.periodic import Periodic
from models import SessionFactory
from resolvers.tasks.overdue import announce_overdue_tasks


def overdue_task_scan(session_factory: SessionFactory, *, every_seconds: float) -> Periodic:
    async def scan() -> None:
        # A full batch may leave more behind: go on until a pass finds less.
        while await announce_overdue_tasks(session_factory) > 0:
            pass

    return Periodic("overdue-tasks", scan, every_seconds, wait_first=True)
