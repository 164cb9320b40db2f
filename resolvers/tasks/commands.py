"""Creating, changing, deleting tasks and moving them through the workflow."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from auth.viewer import Viewer
from models import OwnerKind, Task, TaskTag, utcnow
from resolvers.comments import forget_comments_of
from resolvers.context import RequestContext
from resolvers.crm.task_links import (
    CrmKey,
    check_crm_items,
    crm_keys_of_task,
    replace_crm_links,
)
from resolvers.errors import BadInput, Conflict, Forbidden
from resolvers.files.forget import discard_files, forget_attachments
from resolvers.locking import lock_for_write
from resolvers.notifications import (
    NotificationKind,
    forget_notifications,
    notify,
)
from resolvers.patch import MISSING, Missing
from resolvers.tasks.access import (
    load_visible_task,
    members_of,
    participant_ids,
    parts_in,
    record_task_event,
)
from resolvers.tasks.dates import aware_utc
from resolvers.tasks.people import (
    add_members,
    member_ids,
    notify_assigned,
    replace_members,
    require_users,
)
from resolvers.tasks.rules import (
    TRANSITIONS,
    Part,
    TaskAction,
    TaskPriority,
    TaskStatus,
    completion_target,
    may,
)
from resolvers.validation import text
from subscriptions.events import Changes, EventKind

MAX_TITLE = 255
MAX_DESCRIPTION = 20_000
MAX_TAG = 100
MAX_TAGS = 20
CRM_ITEMS_FIELD = "crmItemIds"


# The key of a task's accomplices in the event log's `changes`: the input field's name when
# the log was first written, kept so that old and new events read alike.
ACCOMPLICES_KEY = "accomplicesIds"
# The task's links to CRM records in `changes`, each named ENTITY:key.
CRM_ITEMS_KEY = "crmItems"
# The references among a task's `changes` keys: the GraphQL type each refers to, and whether
# it holds several.
TASK_CHANGE_REFERENCES = {
    "parentId": ("Task", False),
    "responsibleId": ("User", False),
    ACCOMPLICES_KEY: ("User", True),
    "auditorIds": ("User", True),
}


@dataclass(frozen=True)
class NewTask:
    title: str
    description: str = ""
    responsible_id: int | None = None
    accomplice_ids: list[int] = field(default_factory=list)
    # The argument the client named them by, for errors: accompliceIds, or the deprecated
    # accomplicesIds (the event log's key, kept as is).
    accomplices_field: str = ACCOMPLICES_KEY
    auditor_ids: list[int] = field(default_factory=list)
    deadline: datetime | None = None
    priority: TaskPriority = TaskPriority.NORMAL
    tags: list[str] = field(default_factory=list)
    require_approval: bool = False
    parent_id: int | None = None
    crm_items: list[CrmKey] = field(default_factory=list)


@dataclass(frozen=True)
class TaskChanges:
    title: str | Missing = MISSING
    description: str | Missing = MISSING
    responsible_id: int | Missing = MISSING
    accomplice_ids: list[int] | Missing = MISSING
    accomplices_field: str = ACCOMPLICES_KEY
    auditor_ids: list[int] | Missing = MISSING
    deadline: datetime | Missing | None = MISSING
    priority: TaskPriority | Missing = MISSING
    tags: list[str] | Missing = MISSING
    require_approval: bool | Missing = MISSING
    parent_id: int | Missing | None = MISSING
    crm_items: list[CrmKey] | Missing = MISSING


async def create_task(ctx: RequestContext, new: NewTask) -> Task:
    viewer = ctx.require_viewer()
    responsible_id = new.responsible_id or viewer.user_id
    task = Task(
        title=text(new.title, "title", max_length=MAX_TITLE),
        description=text(
            new.description, "description", max_length=MAX_DESCRIPTION, required=False
        ),
        status=TaskStatus.NEW.value,
        priority=new.priority.value,
        deadline=aware_utc(new.deadline, "deadline"),
        require_approval=new.require_approval,
        creator_id=viewer.user_id,
        responsible_id=responsible_id,
    )
    tags = _tags(new.tags)
    members = {
        Part.ACCOMPLICE.value: member_ids(new.accomplice_ids, new.accomplices_field),
        Part.AUDITOR.value: member_ids(new.auditor_ids, "auditorIds"),
    }
    async with ctx.db() as session:
        await require_users(session, [responsible_id], "responsibleId")
        await require_users(session, members[Part.ACCOMPLICE.value], new.accomplices_field)
        await require_users(session, members[Part.AUDITOR.value], "auditorIds")
        if new.parent_id is not None:
            await load_visible_task(session, viewer, new.parent_id, "parentId")
            task.parent_id = new.parent_id
        crm_items = await _checked_crm_items(ctx, session, new.crm_items)
        session.add(task)
        await session.flush()
        await replace_crm_links(session, task.id, crm_items)
        add_members(session, task.id, members)
        session.add_all(TaskTag(task_id=task.id, tag=tag) for tag in tags)
        created: Changes = {"title": [None, task.title], "status": [None, task.status]}
        await record_task_event(
            session, EventKind.TASK_CREATED, viewer.user_id, task, members, created
        )
        await notify_assigned(
            session, task, {Part.RESPONSIBLE.value: [responsible_id], **members}, viewer
        )
        await session.commit()
    ctx.forget_loaded()
    return task


async def update_task(ctx: RequestContext, task_id: int, changes: TaskChanges) -> Task:
    viewer = ctx.require_viewer()
    async with ctx.db() as session:
        await lock_for_write(session, Task.id, task_id)
        task = await load_visible_task(session, viewer, task_id)
        members = await members_of(session, task_id)
        if not may(await parts_in(session, viewer, task, members), TaskAction.EDIT):
            raise Forbidden("Only the creator, their heads and admins may edit a task")
        changed = _apply_fields(task, changes)
        if changes.parent_id is not MISSING and changes.parent_id != task.parent_id:
            await _check_parent(session, viewer, task, changes.parent_id)
            changed["parentId"] = [task.parent_id, changes.parent_id]
            task.parent_id = changes.parent_id
        added = await apply_people(session, task, changes, members, changed)
        if isinstance(changes.tags, list):
            tags = _tags(changes.tags)
            old_tags = await _replace_tags(session, task.id, tags)
            if old_tags != tags:
                changed["tags"] = [old_tags, tags]
        if isinstance(changes.crm_items, list):
            await _relink_crm_items(ctx, session, task.id, changes.crm_items, changed)
        if changed:
            task.updated_at = utcnow()
            await record_task_event(
                session, EventKind.TASK_UPDATED, viewer.user_id, task, members, changed
            )
            await notify_assigned(session, task, added, viewer)
        await session.commit()
    ctx.forget_loaded()
    return task


async def apply_people(
    session: AsyncSession,
    task: Task,
    changes: TaskChanges,
    members: dict[str, list[int]],
    changed: Changes,
) -> dict[str, list[int]]:
    """Sets the responsible and replaces accomplices and auditors as asked; records what
    changed in ``changed`` and ``members``, and returns who was newly added, by part."""
    added: dict[str, list[int]] = {}
    responsible_id = changes.responsible_id
    if isinstance(responsible_id, int) and responsible_id != task.responsible_id:
        await require_users(session, [responsible_id], "responsibleId")
        changed["responsibleId"] = [task.responsible_id, responsible_id]
        task.responsible_id = responsible_id
        added[Part.RESPONSIBLE.value] = [responsible_id]
    for role, ids, name, key in (
        (Part.ACCOMPLICE.value, changes.accomplice_ids, changes.accomplices_field, ACCOMPLICES_KEY),
        (Part.AUDITOR.value, changes.auditor_ids, "auditorIds", "auditorIds"),
    ):
        if not isinstance(ids, list):
            continue
        wanted = member_ids(ids, name)
        if wanted != members[role]:
            await require_users(session, wanted, name)
            await replace_members(session, task.id, role, wanted)
            changed[key] = [members[role], wanted]
            added[role] = sorted(set(wanted) - set(members[role]))
            members[role] = wanted
    return added


async def delete_task(ctx: RequestContext, task_id: int) -> int:
    viewer = ctx.require_viewer()
    async with ctx.db() as session:
        task = await load_visible_task(session, viewer, task_id)
        members = await members_of(session, task_id)
        if not may(await parts_in(session, viewer, task, members), TaskAction.DELETE):
            raise Forbidden("Only the creator and admins may delete a task")
        await forget_comments_of(session, task_id=task.id)
        await forget_attachments(session, OwnerKind.TASK, [task.id])
        await forget_notifications(session, "TASK", [task.id])
        await session.delete(task)
        # The envelope is made from the task object and its members, both still in hand.
        deleted: Changes = {"title": [task.title, None]}
        await record_task_event(
            session, EventKind.TASK_DELETED, viewer.user_id, task, members, deleted
        )
        await session.commit()
        await discard_files(ctx.services.files.store, session)
    ctx.forget_loaded()
    return task_id


async def change_status(ctx: RequestContext, task_id: int, action: TaskAction) -> Task:
    """START, DEFER, COMPLETE, APPROVE, RETURN, DECLINE or RENEW, if the viewer's part allows."""
    viewer = ctx.require_viewer()
    transition = TRANSITIONS[action]
    async with ctx.db() as session:
        # Locked before it is read: of simultaneous moves each starts from the last one's end.
        await lock_for_write(session, Task.id, task_id)
        task = await load_visible_task(session, viewer, task_id)
        members = await members_of(session, task_id)
        parts = await parts_in(session, viewer, task, members)
        if not may(parts, action):
            raise Forbidden(f"Your part in this task does not allow {action.value}")
        old = TaskStatus(task.status)
        if old not in transition.sources:
            raise Conflict(f"A {old.value} task cannot {action.value}", field="status")
        new = transition.target
        if action is TaskAction.COMPLETE:
            new = completion_target(task.require_approval, parts)
        task.status = new.value
        task.closed_at = utcnow() if new is TaskStatus.COMPLETED else None
        task.updated_at = utcnow()
        kind = (
            EventKind.TASK_COMPLETED
            if new is TaskStatus.COMPLETED
            else EventKind.TASK_STATUS_CHANGED
        )
        moved: Changes = {"status": [old.value, new.value]}
        await record_task_event(session, kind, viewer.user_id, task, members, moved)
        await notify(
            session,
            participant_ids(task, members),
            NotificationKind.TASK_STATUS_CHANGED,
            ("TASK", task.id),
            viewer.user_id,
            f"Task “{task.title}” is now {new.value.replace('_', ' ').lower()}",
        )
        await session.commit()
    ctx.forget_loaded()
    return task


def _apply_fields(task: Task, changes: TaskChanges) -> Changes:
    """Sets the plain fields that differ; returns them as {field: [old, new]}."""
    wanted: dict[str, tuple[str, Any]] = {}
    if isinstance(changes.title, str):
        wanted["title"] = ("title", text(changes.title, "title", max_length=MAX_TITLE))
    if isinstance(changes.description, str):
        description = text(
            changes.description, "description", max_length=MAX_DESCRIPTION, required=False
        )
        wanted["description"] = ("description", description)
    if isinstance(changes.priority, TaskPriority):
        wanted["priority"] = ("priority", changes.priority.value)
    if isinstance(changes.require_approval, bool):
        wanted["requireApproval"] = ("require_approval", changes.require_approval)
    if changes.deadline is not MISSING:
        wanted["deadline"] = ("deadline", aware_utc(changes.deadline, "deadline"))
    changed: Changes = {}
    for name, (attribute, value) in wanted.items():
        old = getattr(task, attribute)
        if old != value:
            changed[name] = [_jsonable(old), _jsonable(value)]
            setattr(task, attribute, value)
    return changed


def _jsonable(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def _tags(tags: list[str]) -> list[str]:
    if len(tags) > MAX_TAGS:
        raise BadInput(f"At most {MAX_TAGS} tags", field="tags")
    return sorted({text(tag, "tags", max_length=MAX_TAG).lower() for tag in tags})


async def _replace_tags(session: AsyncSession, task_id: int, tags: list[str]) -> list[str]:
    old = sorted(
        (await session.execute(select(TaskTag.tag).where(TaskTag.task_id == task_id))).scalars()
    )
    if old != tags:
        await session.execute(delete(TaskTag).where(TaskTag.task_id == task_id))
        session.add_all(TaskTag(task_id=task_id, tag=tag) for tag in tags)
    return old


async def _check_parent(
    session: AsyncSession, viewer: Viewer, task: Task, parent_id: int | None
) -> None:
    """The new parent is visible and not the task itself or one of its subtasks."""
    ancestor_id = parent_id
    while ancestor_id is not None:
        if ancestor_id == task.id:
            raise BadInput("A task cannot be below itself", field="parentId")
        ancestor = await load_visible_task(session, viewer, ancestor_id, "parentId")
        ancestor_id = ancestor.parent_id


async def _relink_crm_items(
    ctx: RequestContext,
    session: AsyncSession,
    task_id: int,
    wanted: list[CrmKey],
    changed: Changes,
) -> None:
    """Replaces the task's CRM links; the event names them as ENTITY:id."""
    keys = await _checked_crm_items(ctx, session, wanted)
    old = await crm_keys_of_task(session, task_id)
    if sorted(old, key=_key_text) == sorted(keys, key=_key_text):
        return
    await replace_crm_links(session, task_id, keys)
    changed[CRM_ITEMS_KEY] = [[_key_text(key) for key in old], [_key_text(key) for key in keys]]


async def _checked_crm_items(
    ctx: RequestContext, session: AsyncSession, keys: list[CrmKey]
) -> list[CrmKey]:
    """The links the creator may make: records they may READ. No links need no policy, so
    callers outside GraphQL (the demo) may create plain tasks without one."""
    if not keys:
        return []
    return await check_crm_items(session, ctx.require_policy(), keys, CRM_ITEMS_FIELD)


def _key_text(key: CrmKey) -> str:
    return f"{key[0].value}:{key[1]}"
