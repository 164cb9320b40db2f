"""Announcing tasks that pass their deadline unfinished: one TASK_OVERDUE event per deadline.

Time, not a request, makes a task overdue, so a scan finds them: every app process runs
``announce_overdue_tasks`` now and then (crmhub/automation.py). Each task is claimed by an
UPDATE that records the deadline being announced, under the condition that it is still
unannounced, in the transaction that writes the event: however many processes scan at once,
one of them writes the event. A task given a new deadline may become overdue, and be
announced, again; a task finished and reopened with the same deadline is not.

The event is the system's (no actor), about the task and visible as the task is: in the feed
of those who see the task, to webhooks, and to automation rules (``TASK_OVERDUE``).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, and_, or_, select, update

from models import BACKGROUND, SessionFactory, Task, utcnow
from resolvers.tasks.access import members_of, task_envelope
from resolvers.tasks.queries import overdue_condition
from subscriptions.events import EventKind, record_event

# Tasks claimed per pass; the next pass takes the rest.
BATCH_SIZE = 100


def newly_overdue(now: datetime) -> ColumnElement[bool]:
    """Overdue tasks whose current deadline was not announced yet."""
    return and_(
        overdue_condition(now),
        or_(Task.overdue_deadline.is_(None), Task.overdue_deadline != Task.deadline),
    )


async def announce_overdue_tasks(session_factory: SessionFactory) -> int:
    """One pass: the events written (each in its own transaction)."""
    now = utcnow()
    async with session_factory() as session:
        task_ids = list(
            await session.scalars(
                select(Task.id)
                .where(newly_overdue(now))
                .order_by(Task.deadline, Task.id)
                .limit(BATCH_SIZE)
                .execution_options(**BACKGROUND)
            )
        )
    announced = 0
    for task_id in task_ids:
        announced += await _announce(session_factory, task_id, now)
    return announced


async def _announce(session_factory: SessionFactory, task_id: int, now: datetime) -> int:
    async with session_factory() as session:
        claimed = await session.execute(
            update(Task)
            .where(Task.id == task_id, newly_overdue(now))
            .values(overdue_deadline=Task.deadline)
            .returning(Task.deadline)
            .execution_options(**BACKGROUND)
        )
        if claimed.scalar_one_or_none() is None:
            await session.rollback()
            return 0
        task = await session.get(Task, task_id)
        assert task is not None
        await record_event(
            session,
            EventKind.TASK_OVERDUE,
            actor_id=None,
            subject=("TASK", task_id),
            scope=("TASK", task_id),
            changes={"overdue": [False, True]},
            envelope=await task_envelope(session, task, await members_of(session, task_id)),
        )
        await session.commit()
        return 1
