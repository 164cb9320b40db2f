"""Who sees a task and what they are to it, as SQL predicates and one-task checks.

Visible to its creator, responsible, accomplices and auditors, to the heads of their
departments and of every department above those, and to admins. The predicate goes into the
WHERE of every query that reaches tasks (lists, node, subtasks, comments, feed), so counts
and pages only ever include visible tasks.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, exists, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from auth.viewer import Viewer
from models import ChecklistItem, Department, Task, TaskMember, User
from resolvers.rows import one_or_not_found
from resolvers.tasks.rules import Part
from subscriptions.events import Changes, EventKind, record_event

HeadedDepartment = aliased(Department)
HomeDepartment = aliased(Department)


def _headed_by(viewer_id: int) -> Select[tuple[int]]:
    """Users in a department the viewer heads, or below one."""
    return (
        select(User.id)
        .join(HomeDepartment, User.department_id == HomeDepartment.id)
        .join(
            HeadedDepartment,
            and_(
                HeadedDepartment.head_id == viewer_id,
                HomeDepartment.path.startswith(HeadedDepartment.path),
            ),
        )
    )


def visible_task(viewer: Viewer) -> ColumnElement[bool]:
    """True for the rows of ``tasks`` the viewer may see (correlates with ``Task``, which the
    enclosing statement must select from)."""
    if viewer.is_admin:
        return true()
    me = viewer.user_id
    under_me = _headed_by(me)  # uncorrelated: computed once, whatever the number of tasks
    return or_(
        Task.creator_id == me,
        Task.responsible_id == me,
        Task.creator_id.in_(under_me),
        Task.responsible_id.in_(under_me),
        exists()
        .where(
            TaskMember.task_id == Task.id,
            or_(TaskMember.user_id == me, TaskMember.user_id.in_(under_me)),
        )
        .correlate(Task),
    )


def visible_task_ids(viewer: Viewer) -> Select[tuple[int]]:
    return select(Task.id).where(visible_task(viewer))


async def load_visible_task(
    session: AsyncSession, viewer: Viewer, task_id: int, field: str = "id"
) -> Task:
    """The task, or NOT_FOUND if it does not exist or the viewer may not see it."""
    visible = select(Task).where(Task.id == task_id, visible_task(viewer))
    return await one_or_not_found(session, visible, "Task", task_id, field)


async def load_visible_item(
    session: AsyncSession, viewer: Viewer, item_id: int, field: str = "id"
) -> ChecklistItem:
    """A checklist item, if the viewer sees its task: an item of an invisible task is as
    unknown as the task itself, and the answer must not tell which task that is."""
    visible = (
        select(ChecklistItem)
        .join(Task, ChecklistItem.task_id == Task.id)
        .where(ChecklistItem.id == item_id, visible_task(viewer))
    )
    return await one_or_not_found(session, visible, "ChecklistItem", item_id, field)


async def members_of(session: AsyncSession, task_id: int) -> dict[str, list[int]]:
    """{"ACCOMPLICE": [user ids], "AUDITOR": [user ids]}, each sorted."""
    rows = await session.execute(
        select(TaskMember.role, TaskMember.user_id)
        .where(TaskMember.task_id == task_id)
        .order_by(TaskMember.user_id)
    )
    members: dict[str, list[int]] = {Part.ACCOMPLICE.value: [], Part.AUDITOR.value: []}
    for role, user_id in rows:
        members[role].append(user_id)
    return members


def parts_of(
    viewer: Viewer, task_people: tuple[int, int], member_roles: Iterable[str], heads_them: bool
) -> frozenset[Part]:
    """The viewer's parts in a task with this (creator, responsible), in which the viewer has
    ``member_roles``; ``heads_them`` when the viewer heads the creator or the responsible."""
    creator_id, responsible_id = task_people
    parts = {Part(role) for role in member_roles}
    if viewer.is_admin:
        parts.add(Part.ADMIN)
    if creator_id == viewer.user_id:
        parts.add(Part.CREATOR)
    if responsible_id == viewer.user_id:
        parts.add(Part.RESPONSIBLE)
    if heads_them:
        parts.add(Part.HEAD)
    return frozenset(parts)


async def parts_in(
    session: AsyncSession, viewer: Viewer, task: Task, members: dict[str, list[int]]
) -> frozenset[Part]:
    people = (task.creator_id, task.responsible_id)
    roles = [role for role, user_ids in members.items() if viewer.user_id in user_ids]
    return parts_of(viewer, people, roles, bool(await headed_among(session, viewer, people)))


async def headed_among(session: AsyncSession, viewer: Viewer, user_ids: Iterable[int]) -> set[int]:
    """Those of ``user_ids`` in a department the viewer heads, or below one."""
    found = await session.execute(_headed_by(viewer.user_id).where(User.id.in_(list(user_ids))))
    return set(found.scalars())


def participant_ids(task: Task, members: dict[str, list[int]]) -> list[int]:
    ids = {task.creator_id, task.responsible_id}
    for users in members.values():
        ids.update(users)
    return sorted(ids)


async def task_envelope(
    session: AsyncSession, task: Task, members: dict[str, list[int]]
) -> dict[str, Any]:
    """Enough for a subscriber to decide in memory who may see an event of this task."""
    participants = participant_ids(task, members)
    paths = await session.execute(
        select(Department.path)
        .join(User, User.department_id == Department.id)
        .where(User.id.in_(participants))
        .distinct()
    )
    return {
        "entity": "TASK",
        "status": task.status,
        "responsible": task.responsible_id,
        "participants": participants,
        "departmentPaths": sorted(paths.scalars()),
    }


async def record_task_event(
    session: AsyncSession,
    kind: EventKind,
    actor_id: int,
    task: Task,
    members: dict[str, list[int]],
    changes: Changes,
) -> None:
    """An event about the task itself, visible as the task is."""
    await record_event(
        session,
        kind,
        actor_id=actor_id,
        subject=("TASK", task.id),
        scope=("TASK", task.id),
        changes=changes,
        envelope=await task_envelope(session, task, members),
    )
