"""Reading tasks: the filtered list, one task, and the batch loaders of their relations."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import ColumnElement, Select, and_, exists, func, literal, or_, select

from models import ChecklistItem, Task, TaskMember, TaskTag, utcnow
from resolvers.batches import many_per_key, one_per_key
from resolvers.context import RequestContext
from resolvers.crm.task_links import CrmKey, linked_to
from resolvers.errors import BadInput, not_found
from resolvers.pagination import Page, PageRequest, SortKey, fetch_page
from resolvers.tasks.access import headed_among, parts_of, visible_task
from resolvers.tasks.dates import aware_utc
from resolvers.tasks.rules import FINISHED, Part, TaskStatus

# Tasks without a deadline sort after every task with one.
NO_DEADLINE = datetime(9999, 12, 31, tzinfo=UTC)


class TaskOrderField(enum.Enum):
    CREATED_AT = "CREATED_AT"
    DEADLINE = "DEADLINE"
    TITLE = "TITLE"


@dataclass(frozen=True)
class TaskFilter:
    parts: frozenset[Part] = frozenset()
    statuses: frozenset[TaskStatus] = frozenset()
    overdue: bool | None = None
    deadline_from: datetime | None = None
    deadline_to: datetime | None = None
    tag: str | None = None
    parent_id: int | None = None
    search: str | None = None
    crm_item: CrmKey | None = None


def is_overdue(task: Task) -> bool:
    return (
        task.deadline is not None
        and task.deadline < utcnow()
        and TaskStatus(task.status) not in FINISHED
    )


def overdue_condition(now: datetime | None = None) -> ColumnElement[bool]:
    """Tasks past their deadline (now, unless told) and not finished (``is_overdue`` in SQL)."""
    return and_(
        Task.deadline.is_not(None),
        Task.deadline < (now or utcnow()),
        Task.status.not_in([status.value for status in FINISHED]),
    )


def _part_condition(part: Part, user_id: int) -> ColumnElement[bool]:
    if part is Part.CREATOR:
        return Task.creator_id == user_id
    if part is Part.RESPONSIBLE:
        return Task.responsible_id == user_id
    if part in (Part.ACCOMPLICE, Part.AUDITOR):
        return exists().where(
            TaskMember.task_id == Task.id,
            TaskMember.user_id == user_id,
            TaskMember.role == part.value,
        )
    raise BadInput(f"Cannot filter by the part {part.value}", field="role")


def _conditions(filter: TaskFilter, user_id: int) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if filter.parts:
        conditions.append(or_(*(_part_condition(part, user_id) for part in filter.parts)))
    if filter.statuses:
        conditions.append(Task.status.in_([status.value for status in filter.statuses]))
    if filter.overdue is not None:
        overdue = overdue_condition()
        conditions.append(overdue if filter.overdue else ~overdue)
    deadline_from = aware_utc(filter.deadline_from, "deadlineFrom")
    if deadline_from is not None:
        conditions.append(Task.deadline >= deadline_from)
    deadline_to = aware_utc(filter.deadline_to, "deadlineTo")
    if deadline_to is not None:
        conditions.append(Task.deadline < deadline_to)
    if filter.tag:
        tag = filter.tag.strip().lower()
        conditions.append(exists().where(TaskTag.task_id == Task.id, TaskTag.tag == tag))
    if filter.parent_id is not None:
        conditions.append(Task.parent_id == filter.parent_id)
    if filter.search:
        pattern = f"%{filter.search.strip().lower()}%"
        conditions.append(func.lower(Task.title).like(pattern))
    if filter.crm_item is not None:
        conditions.append(linked_to(filter.crm_item))
    return conditions


async def list_tasks(
    ctx: RequestContext,
    filter: TaskFilter,
    order: Sequence[tuple[TaskOrderField, bool]],
    page: PageRequest,
) -> Page[Task]:
    viewer = ctx.require_viewer()
    statement: Select[tuple[Task]] = select(Task).where(visible_task(viewer))
    for condition in _conditions(filter, viewer.user_id):
        statement = statement.where(condition)
    keys = [SortKey(_order_expression(field), descending) for field, descending in order]
    keys.append(SortKey(Task.id, keys[-1].descending if keys else True))
    return await fetch_page(ctx, statement, keys, page)


def _order_expression(field: TaskOrderField) -> ColumnElement[object]:
    if field is TaskOrderField.DEADLINE:
        return func.coalesce(Task.deadline, literal(NO_DEADLINE, Task.deadline.type))
    if field is TaskOrderField.TITLE:
        return Task.title  # type: ignore[return-value]
    return Task.created_at  # type: ignore[return-value]


async def get_task(ctx: RequestContext, task_id: int) -> Task:
    ctx.require_viewer()
    task = await ctx.loader(tasks_by_id).load(task_id)
    if task is None:
        raise not_found("Task", task_id)
    return task


async def get_checklist_item(ctx: RequestContext, item_id: int) -> ChecklistItem:
    ctx.require_viewer()
    item = await ctx.loader(checklist_items_by_id).load(item_id)
    if item is None:
        raise not_found("ChecklistItem", item_id)
    return item


async def checklist_items_by_id(
    ctx: RequestContext, ids: list[int]
) -> Sequence[ChecklistItem | None]:
    """Checklist items of tasks the viewer may see; None for the others and unknown ids."""
    viewer = ctx.require_viewer()
    statement = (
        select(ChecklistItem)
        .join(Task, ChecklistItem.task_id == Task.id)
        .where(ChecklistItem.id.in_(ids), visible_task(viewer))
    )
    async with ctx.db() as session:
        rows = (await session.execute(statement)).scalars().all()
    return one_per_key(rows, lambda item: item.id, ids)


async def tasks_by_id(ctx: RequestContext, ids: list[int]) -> Sequence[Task | None]:
    """Tasks the viewer may see; None for the others and for unknown ids."""
    viewer = ctx.require_viewer()
    statement = select(Task).where(Task.id.in_(ids), visible_task(viewer))
    async with ctx.db() as session:
        rows = (await session.execute(statement)).scalars().all()
    return one_per_key(rows, lambda task: task.id, ids)


async def subtasks_by_parent_id(ctx: RequestContext, parent_ids: list[int]) -> Sequence[list[Task]]:
    """The visible subtasks of each task, oldest first."""
    viewer = ctx.require_viewer()
    statement = (
        select(Task).where(Task.parent_id.in_(parent_ids), visible_task(viewer)).order_by(Task.id)
    )
    async with ctx.db() as session:
        rows = (await session.execute(statement)).scalars().all()
    return many_per_key(((task.parent_id, task) for task in rows), parent_ids)


async def members_by_task_id(
    ctx: RequestContext, task_ids: list[int]
) -> Sequence[list[tuple[str, int]]]:
    """Per task: (ACCOMPLICE or AUDITOR, user id) pairs, by user id."""
    statement = (
        select(TaskMember.task_id, TaskMember.role, TaskMember.user_id)
        .where(TaskMember.task_id.in_(task_ids))
        .order_by(TaskMember.user_id)
    )
    async with ctx.db() as session:
        rows = (await session.execute(statement)).tuples().all()
    return many_per_key(((task_id, (role, user_id)) for task_id, role, user_id in rows), task_ids)


async def tags_by_task_id(ctx: RequestContext, task_ids: list[int]) -> Sequence[list[str]]:
    statement = (
        select(TaskTag.task_id, TaskTag.tag)
        .where(TaskTag.task_id.in_(task_ids))
        .order_by(TaskTag.tag)
    )
    async with ctx.db() as session:
        rows = (await session.execute(statement)).tuples().all()
    return many_per_key(rows, task_ids)


async def checklist_by_task_id(
    ctx: RequestContext, task_ids: list[int]
) -> Sequence[list[ChecklistItem]]:
    statement = (
        select(ChecklistItem)
        .where(ChecklistItem.task_id.in_(task_ids))
        .order_by(ChecklistItem.position, ChecklistItem.id)
    )
    async with ctx.db() as session:
        rows = (await session.execute(statement)).scalars().all()
    return many_per_key(((item.task_id, item) for item in rows), task_ids)


# A task as the parts loader needs it: (id, creator id, responsible id), all in hand already.
TaskPeople = tuple[int, int, int]


async def viewer_parts_by_task(
    ctx: RequestContext, tasks: list[TaskPeople]
) -> Sequence[frozenset[Part]]:
    """The viewer's parts in each task: two statements for any number of tasks."""
    viewer = ctx.require_viewer()
    task_ids = [task_id for task_id, _, _ in tasks]
    people = {user_id for _, creator, responsible in tasks for user_id in (creator, responsible)}
    statement = select(TaskMember.task_id, TaskMember.role).where(
        TaskMember.task_id.in_(task_ids), TaskMember.user_id == viewer.user_id
    )
    async with ctx.db() as session:
        roles = (await session.execute(statement)).tuples().all()
        headed = await headed_among(session, viewer, people)
    roles_by_task = many_per_key(roles, task_ids)
    return [
        parts_of(viewer, (creator, responsible), task_roles, bool({creator, responsible} & headed))
        for (_, creator, responsible), task_roles in zip(tasks, roles_by_task, strict=True)
    ]
