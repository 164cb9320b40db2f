"""Writing the event log: the transactional outbox of DESIGN.md §5.

Every change calls ``record_event`` in the transaction that makes the change, so an event
exists exactly when its change was committed.

Ordering. ``seq`` must grow strictly in *commit* order, or a reader following the log could
see seq 11 committed, move its cursor past it, and only then see seq 10 appear. An identity
column alone does not give that on PostgreSQL: two transactions draw 10 and 11 and may commit
in either order. So before the event row is inserted, the transaction takes one
transaction-level advisory lock shared by every event writer (``pg_advisory_xact_lock``).
Writers are serialised from that point to their commit (the lock is released by COMMIT or
ROLLBACK), and since the identity value is drawn inside the lock, seq order is commit order.
The lock is taken as late as possible, right before the insert, so only the tail of a write
transaction is serialised. For the same reason, and to rule out deadlocks between the advisory
lock and row locks, callers make their updates and deletes before recording the event (what
the session still holds is flushed before the lock is taken); only inserts of new rows, such
as notifications, may follow it. SQLite needs nothing: it has a single writer at a time anyway.
"""

from __future__ import annotations

import enum
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from models import Event
from subscriptions.publisher import note_event_written

# Any constant works as long as every event writer uses the same one ("crm events").
EVENT_LOG_LOCK_KEY = 0x63726D_6576
# In a session's ``info``: the automation depth of the events the session writes (set by the
# automation runner on the session its actions run in; see resolvers/automation/runner.py).
AUTOMATION_DEPTH_KEY = "crmhub.automation_depth"


class EventKind(enum.Enum):
    TASK_CREATED = "TASK_CREATED"
    TASK_UPDATED = "TASK_UPDATED"
    TASK_STATUS_CHANGED = "TASK_STATUS_CHANGED"
    TASK_COMPLETED = "TASK_COMPLETED"
    TASK_CHECKLIST_CHANGED = "TASK_CHECKLIST_CHANGED"
    TASK_DELETED = "TASK_DELETED"
    TASK_OVERDUE = "TASK_OVERDUE"
    POST_CREATED = "POST_CREATED"
    POST_UPDATED = "POST_UPDATED"
    POST_DELETED = "POST_DELETED"
    POST_LIKED = "POST_LIKED"
    POST_UNLIKED = "POST_UNLIKED"
    COMMENT_ADDED = "COMMENT_ADDED"
    COMMENT_UPDATED = "COMMENT_UPDATED"
    COMMENT_DELETED = "COMMENT_DELETED"
    LEAD_CREATED = "LEAD_CREATED"
    LEAD_UPDATED = "LEAD_UPDATED"
    LEAD_DELETED = "LEAD_DELETED"
    CONTACT_CREATED = "CONTACT_CREATED"
    CONTACT_UPDATED = "CONTACT_UPDATED"
    CONTACT_DELETED = "CONTACT_DELETED"
    COMPANY_CREATED = "COMPANY_CREATED"
    COMPANY_UPDATED = "COMPANY_UPDATED"
    COMPANY_DELETED = "COMPANY_DELETED"
    DEAL_CREATED = "DEAL_CREATED"
    DEAL_UPDATED = "DEAL_UPDATED"
    DEAL_DELETED = "DEAL_DELETED"
    DEAL_STAGE_MOVED = "DEAL_STAGE_MOVED"
    LEAD_CONVERTED = "LEAD_CONVERTED"
    LEAD_MERGED = "LEAD_MERGED"
    CONTACT_MERGED = "CONTACT_MERGED"
    COMPANY_MERGED = "COMPANY_MERGED"


Changes = dict[str, list[Any]]


async def record_event(
    session: AsyncSession,
    kind: EventKind,
    *,
    actor_id: int | None,
    subject: tuple[str, int],
    scope: tuple[str, int],
    changes: Changes,
    envelope: dict[str, Any],
) -> None:
    """Adds one event to the session's transaction; the caller commits.

    ``subject`` is what changed, ``scope`` the record whose visibility decides who may see
    the event (a comment's post or task; the subject itself otherwise).
    """
    await append_event(
        session,
        kind.value,
        actor_id=actor_id,
        subject=subject,
        scope=scope,
        changes=changes,
        envelope=envelope,
    )


async def append_event(
    session: AsyncSession,
    kind: str,
    *,
    actor_id: int | None,
    subject: tuple[str, int],
    scope: tuple[str, int],
    changes: Changes,
    envelope: dict[str, Any],
) -> int:
    """Appends any event, feed or control (see subscriptions/control.py); returns its seq."""
    # The caller's own row changes go to the database before the log lock is taken, so the
    # lock is never held while waiting for a row lock (no deadlock between the two).
    await session.flush()
    if session.bind.dialect.name == "postgresql":
        await session.execute(
            text("SELECT pg_advisory_xact_lock(:key)"), {"key": EVENT_LOG_LOCK_KEY}
        )
    event = Event(
        kind=kind,
        actor_id=actor_id,
        subject_type=subject[0],
        subject_id=subject[1],
        scope_type=scope[0],
        scope_id=scope[1],
        changes=changes,
        envelope=envelope,
        automation_depth=session.info.get(AUTOMATION_DEPTH_KEY),
    )
    session.add(event)
    await session.flush()
    note_event_written(session.sync_session, event.seq)
    return event.seq
