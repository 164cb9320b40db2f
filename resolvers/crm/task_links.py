"""Tasks linked to CRM records (``task_crm_links``): validating links, and loading both ways.

Every direction is filtered by today's access: a task lists only the records the viewer may
READ (the policy's read filter), a record lists only the tasks the viewer may see
(``visible_task``). Each loader runs a constant number of statements per batch, whatever the
page size: one for the links and one per CRM entity present among them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import cast

from sqlalchemy import ColumnElement, delete, exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from auth.policy import CompiledPolicy
from auth.policy.entities import RECORD_MODELS
from models import Task, TaskCrmLink
from models.crm import CrmEntity
from models.crm.entities import type_name_of
from resolvers.access.envelopes import CrmRecord
from resolvers.context import RequestContext
from resolvers.errors import BadInput, not_found
from resolvers.tasks.access import visible_task

CrmKey = tuple[CrmEntity, int]
MAX_CRM_ITEMS = 20


def _ids_by_entity(keys: Iterable[CrmKey]) -> dict[CrmEntity, set[int]]:
    grouped: dict[CrmEntity, set[int]] = defaultdict(set)
    for entity, record_id in keys:
        grouped[entity].add(record_id)
    return grouped


async def _readable(
    session: AsyncSession, policy: CompiledPolicy, keys: Iterable[CrmKey]
) -> dict[CrmKey, CrmRecord]:
    """The records among ``keys`` the viewer may READ: one statement per entity present."""
    found: dict[CrmKey, CrmRecord] = {}
    for entity, ids in _ids_by_entity(keys).items():
        model = RECORD_MODELS[entity]
        rows = await session.scalars(
            select(model).where(model.id.in_(sorted(ids)), policy.read_filter(entity))
        )
        for row in rows:
            record = cast(CrmRecord, row)
            found[(entity, record.id)] = record
    return found


# Writing


async def check_crm_items(
    session: AsyncSession, policy: CompiledPolicy, keys: Sequence[CrmKey], field: str
) -> list[CrmKey]:
    """The keys, de-duplicated, if each names a record the viewer may READ; NOT_FOUND naming
    ``field`` otherwise (unknown and unreadable records look the same)."""
    wanted = list(dict.fromkeys(keys))
    if len(wanted) > MAX_CRM_ITEMS:
        raise BadInput(f"At most {MAX_CRM_ITEMS} CRM items per task", field=field)
    readable = await _readable(session, policy, wanted)
    for entity, record_id in wanted:
        if (entity, record_id) not in readable:
            raise not_found(type_name_of(entity), record_id, field)
    return wanted


async def replace_crm_links(session: AsyncSession, task_id: int, keys: Sequence[CrmKey]) -> None:
    await session.execute(delete(TaskCrmLink).where(TaskCrmLink.task_id == task_id))
    session.add_all(
        TaskCrmLink(task_id=task_id, entity_type=entity.value, entity_id=record_id)
        for entity, record_id in keys
    )


async def crm_keys_of_task(session: AsyncSession, task_id: int) -> list[CrmKey]:
    rows = await session.execute(
        select(TaskCrmLink.entity_type, TaskCrmLink.entity_id)
        .where(TaskCrmLink.task_id == task_id)
        .order_by(TaskCrmLink.entity_type, TaskCrmLink.entity_id)
    )
    return [(CrmEntity(entity_type), record_id) for entity_type, record_id in rows.tuples()]


# Reading


def linked_to(key: CrmKey) -> ColumnElement[bool]:
    """Tasks linked to the record (correlates with ``Task``), for ``tasks(filter:)``."""
    entity, record_id = key
    return exists().where(
        TaskCrmLink.task_id == Task.id,
        TaskCrmLink.entity_type == entity.value,
        TaskCrmLink.entity_id == record_id,
    )


async def crm_items_by_task_id(
    ctx: RequestContext, task_ids: list[int]
) -> Sequence[list[CrmRecord]]:
    """Loader: each task's linked records the viewer may READ, in link order."""
    policy = ctx.require_policy()
    links: dict[int, list[CrmKey]] = defaultdict(list)
    async with ctx.db() as session:
        rows = await session.execute(
            select(TaskCrmLink.task_id, TaskCrmLink.entity_type, TaskCrmLink.entity_id)
            .where(TaskCrmLink.task_id.in_(task_ids))
            .order_by(TaskCrmLink.task_id, TaskCrmLink.entity_type, TaskCrmLink.entity_id)
        )
        for task_id, entity_type, record_id in rows.tuples():
            links[task_id].append((CrmEntity(entity_type), record_id))
        readable = await _readable(session, policy, (k for ks in links.values() for k in ks))
    return [[readable[key] for key in links[pk] if key in readable] for pk in task_ids]


async def crm_records_by_key(ctx: RequestContext, keys: list[CrmKey]) -> Sequence[CrmRecord | None]:
    """Loader: the records the viewer may READ, None for the others (feed subjects)."""
    async with ctx.db() as session:
        readable = await _readable(session, ctx.require_policy(), keys)
    return [readable.get(key) for key in keys]


async def tasks_by_crm_key(ctx: RequestContext, keys: list[CrmKey]) -> Sequence[list[Task]]:
    """Loader: the tasks the viewer may see linked to each record, newest first."""
    viewer = ctx.require_viewer()
    by_record = or_(
        *(
            (TaskCrmLink.entity_type == entity.value) & TaskCrmLink.entity_id.in_(sorted(ids))
            for entity, ids in _ids_by_entity(keys).items()
        )
    )
    statement = (
        select(Task, TaskCrmLink.entity_type, TaskCrmLink.entity_id)
        .join(TaskCrmLink, TaskCrmLink.task_id == Task.id)
        .where(by_record, visible_task(viewer))
        .order_by(Task.created_at.desc(), Task.id.desc())
    )
    found: dict[CrmKey, list[Task]] = defaultdict(list)
    async with ctx.db() as session:
        for task, entity_type, record_id in (await session.execute(statement)).tuples():
            found[(CrmEntity(entity_type), record_id)].append(task)
    return [found[key] for key in keys]
