"""Who takes part in a task (responsible, accomplices, auditors) and telling the newly
added ones."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from auth.viewer import Viewer
from models import Task, TaskMember, User
from models.global_ids import global_id
from resolvers.errors import BadInput, NotFound
from resolvers.notifications import NotificationKind, actor_name, notify
from resolvers.tasks.rules import Part

MAX_MEMBERS = 50


def member_ids(ids: list[int], name: str) -> list[int]:
    if len(ids) > MAX_MEMBERS:
        raise BadInput(f"At most {MAX_MEMBERS} users in '{name}'", field=name)
    return sorted(set(ids))


async def require_users(session: AsyncSession, ids: list[int], name: str) -> None:
    if not ids:
        return
    found = set(
        (
            await session.execute(select(User.id).where(User.id.in_(ids), User.active.is_(True)))
        ).scalars()
    )
    missing = sorted(set(ids) - found)
    if missing:
        raise NotFound(f"No active User with ID '{global_id('User', missing[0])}'", field=name)


def add_members(session: AsyncSession, task_id: int, members: dict[str, list[int]]) -> None:
    session.add_all(
        TaskMember(task_id=task_id, user_id=user_id, role=role)
        for role, user_ids in members.items()
        for user_id in user_ids
    )


async def replace_members(session: AsyncSession, task_id: int, role: str, ids: list[int]) -> None:
    await session.execute(
        delete(TaskMember).where(TaskMember.task_id == task_id, TaskMember.role == role)
    )
    add_members(session, task_id, {role: ids})


_ASSIGNMENT_TEXT = {
    Part.RESPONSIBLE.value: "made you responsible for",
    Part.ACCOMPLICE.value: "added you as an accomplice to",
    Part.AUDITOR.value: "added you as an auditor of",
}


async def notify_assigned(
    session: AsyncSession, task: Task, added: dict[str, list[int]], viewer: Viewer
) -> None:
    """One TASK_ASSIGNED per newly added user, naming their most active part."""
    name = await actor_name(session, viewer.user_id)
    told: set[int] = set()
    for role, phrase in _ASSIGNMENT_TEXT.items():
        ids = set(added.get(role, [])) - told
        told |= await notify(
            session,
            ids,
            NotificationKind.TASK_ASSIGNED,
            ("TASK", task.id),
            viewer.user_id,
            f"{name} {phrase} “{task.title}”",
        )
