"""A task's checklist: items added, ticked, reordered and removed by those who work on it."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from auth.viewer import Viewer
from models import ChecklistItem, Task
from resolvers.context import RequestContext
from resolvers.errors import BadInput, Forbidden
from resolvers.locking import lock_for_write
from resolvers.tasks.access import (
    load_visible_item,
    load_visible_task,
    members_of,
    parts_in,
    record_task_event,
)
from resolvers.tasks.rules import TaskAction, may
from resolvers.validation import text
from subscriptions.events import Changes, EventKind

MAX_ITEM_TITLE = 255
MAX_ITEMS = 200


async def add_checklist_item(ctx: RequestContext, task_id: int, title: str) -> ChecklistItem:
    viewer = ctx.require_viewer()
    title = text(title, "title", max_length=MAX_ITEM_TITLE)
    async with ctx.db() as session:
        # Locked before the positions are read, so that simultaneous additions number on.
        await lock_for_write(session, Task.id, task_id)
        task = await _editable_task(session, viewer, task_id, "taskId")
        count, last = (
            await session.execute(
                select(func.count(), func.max(ChecklistItem.position)).where(
                    ChecklistItem.task_id == task_id
                )
            )
        ).one()
        if count >= MAX_ITEMS:
            raise BadInput(f"A checklist holds at most {MAX_ITEMS} items", field="taskId")
        item = ChecklistItem(task_id=task_id, title=title, done=False, position=(last or 0) + 1)
        session.add(item)
        await _record(session, viewer, task, {"checklist": [None, title]})
        await session.commit()
    ctx.forget_loaded()
    return item


async def toggle_checklist_item(ctx: RequestContext, item_id: int) -> ChecklistItem:
    viewer = ctx.require_viewer()
    async with ctx.db() as session:
        item = await _locked_item(session, viewer, item_id)
        task = await _editable_task(session, viewer, item.task_id, "id")
        item.done = not item.done
        await _record(
            session, viewer, task, {f"checklist.{item.id}.done": [not item.done, item.done]}
        )
        await session.commit()
    ctx.forget_loaded()
    return item


async def reorder_checklist(ctx: RequestContext, task_id: int, item_ids: list[int]) -> Task:
    """Puts the items in the given order; the list must name every item exactly once."""
    viewer = ctx.require_viewer()
    async with ctx.db() as session:
        await lock_for_write(session, Task.id, task_id)
        task = await _editable_task(session, viewer, task_id, "taskId")
        items = {
            item.id: item
            for item in (
                await session.execute(select(ChecklistItem).where(ChecklistItem.task_id == task_id))
            ).scalars()
        }
        if sorted(item_ids) != sorted(items):
            raise BadInput("'itemIds' must list every item of the checklist once", field="itemIds")
        old_order = [item.id for item in sorted(items.values(), key=lambda i: (i.position, i.id))]
        for position, item_id in enumerate(item_ids, start=1):
            items[item_id].position = position
        await _record(session, viewer, task, {"checklistOrder": [old_order, item_ids]})
        await session.commit()
    ctx.forget_loaded()
    return task


async def remove_checklist_item(ctx: RequestContext, item_id: int) -> int:
    viewer = ctx.require_viewer()
    async with ctx.db() as session:
        item = await _locked_item(session, viewer, item_id)
        task = await _editable_task(session, viewer, item.task_id, "id")
        await session.delete(item)
        await _record(session, viewer, task, {"checklist": [item.title, None]})
        await session.commit()
    ctx.forget_loaded()
    return item_id


async def _locked_item(session: AsyncSession, viewer: Viewer, item_id: int) -> ChecklistItem:
    """The item, read under its task's lock: the first read only finds which task to lock,
    and the item may have changed (or gone) before the lock was granted."""
    item = await load_visible_item(session, viewer, item_id)
    await lock_for_write(session, Task.id, item.task_id)
    session.expunge(item)
    return await load_visible_item(session, viewer, item_id)


async def _editable_task(session: AsyncSession, viewer: Viewer, task_id: int, field: str) -> Task:
    task = await load_visible_task(session, viewer, task_id, field)
    members = await members_of(session, task_id)
    if not may(await parts_in(session, viewer, task, members), TaskAction.EDIT_CHECKLIST):
        raise Forbidden("Your part in this task does not allow changing its checklist")
    return task


async def _record(session: AsyncSession, viewer: Viewer, task: Task, changes: Changes) -> None:
    members = await members_of(session, task.id)
    await record_task_event(
        session, EventKind.TASK_CHECKLIST_CHANGED, viewer.user_id, task, members, changes
    )
