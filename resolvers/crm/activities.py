"""Activities: calls, meetings, e-mails and notes on one or more CRM records."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import AccessAction, utcnow
from models.crm import (
    Activity,
    ActivityBinding,
    ActivityDirection,
    ActivityKind,
    CrmEntity,
    TimelineEntry,
    TimelineKind,
)
from models.crm.entities.common import MAX_TEXT, MAX_TITLE
from resolvers.access.envelopes import envelopes_by_id
from resolvers.context import RequestContext
from resolvers.crm.activity_events import record_activity_changed
from resolvers.crm.common import list_query, require_user, rows_by_id
from resolvers.crm.fields import ACTIVITY_FIELDS
from resolvers.crm.filtering import Filter
from resolvers.crm.visibility import require_visible, visible_binding
from resolvers.errors import BadInput, Forbidden, not_found
from resolvers.locking import lock_for_write
from resolvers.pagination import Page, PageRequest
from resolvers.patch import MISSING, Missing
from resolvers.validation import text

MAX_OWNERS = 20
RecordKey = tuple[CrmEntity, int]


@dataclass(frozen=True)
class NewActivity:
    kind: ActivityKind
    subject: str
    owners: Sequence[RecordKey]
    description: str = ""
    direction: ActivityDirection = ActivityDirection.NONE
    start_at: datetime | None = None
    end_at: datetime | None = None
    completed: bool = False
    assigned_to_id: int | None = None


@dataclass(frozen=True)
class ActivityChanges:
    subject: str | Missing = MISSING
    description: str | Missing = MISSING
    direction: ActivityDirection | Missing = MISSING
    start_at: datetime | Missing | None = MISSING
    end_at: datetime | Missing | None = MISSING
    completed: bool | Missing = MISSING
    assigned_to_id: int | Missing = MISSING


def visible_activities(ctx: RequestContext) -> Select[tuple[Activity]]:
    """Activities the viewer may read: those bound to at least one readable record."""
    ctx.require_policy()
    return select(Activity).where(
        Activity.id.in_(select(ActivityBinding.activity_id).where(visible_binding(ctx)))
    )


async def activities_by_id(ctx: RequestContext, ids: list[int]) -> Sequence[Activity | None]:
    return await rows_by_id(ctx, visible_activities(ctx), Activity.id, ids)


async def owners_by_activity_id(
    ctx: RequestContext, activity_ids: list[int]
) -> Sequence[list[RecordKey]]:
    found: dict[int, list[RecordKey]] = defaultdict(list)
    statement = (
        select(ActivityBinding)
        .where(ActivityBinding.activity_id.in_(activity_ids), visible_binding(ctx))
        .order_by(ActivityBinding.entity_type, ActivityBinding.entity_id)
    )
    async with ctx.db() as session:
        for binding in (await session.execute(statement)).scalars():
            found[binding.activity_id].append((binding.entity_type, binding.entity_id))
    return [found[pk] for pk in activity_ids]


async def get_activity(ctx: RequestContext, activity_id: int) -> Activity:
    ctx.require_viewer()
    activity = await ctx.loader(activities_by_id).load(activity_id)
    if activity is None:
        raise not_found("Activity", activity_id)
    return activity


async def list_activities(
    ctx: RequestContext,
    filter: Filter,
    order: Sequence[tuple[str, bool]],
    page: PageRequest,
    owner: RecordKey | None = None,
) -> Page[Activity]:
    statement = visible_activities(ctx)
    if owner is not None:
        statement = statement.where(
            Activity.id.in_(
                select(ActivityBinding.activity_id).where(
                    ActivityBinding.entity_type == owner[0], ActivityBinding.entity_id == owner[1]
                )
            )
        )
    query = await list_query(ctx, statement, ACTIVITY_FIELDS, filter, order)
    return await query.page(ctx, page)


def _utc(value: datetime | None) -> datetime | None:
    """Times are answered in UTC whatever zone they were given in."""
    return None if value is None else value.astimezone(UTC)


def _period(start_at: datetime | None, end_at: datetime | None) -> None:
    if start_at is not None and end_at is not None and end_at < start_at:
        raise BadInput("An activity cannot end before it starts", field="endAt")


async def add_activity(ctx: RequestContext, new: NewActivity) -> Activity:
    """Adds the activity and an entry in the timeline of each record it is bound to."""
    viewer = ctx.require_viewer()
    subject = text(new.subject, "subject", max_length=MAX_TITLE)
    description = text(new.description, "description", max_length=MAX_TEXT, required=False)
    owners = list(dict.fromkeys(new.owners))
    if not owners:
        raise BadInput("Bind the activity to at least one CRM record", field="ownerIds")
    if len(owners) > MAX_OWNERS:
        raise BadInput(f"At most {MAX_OWNERS} owners", field="ownerIds")
    _period(new.start_at, new.end_at)
    for entity, pk in owners:
        await require_visible(ctx, entity, pk, "ownerIds")
    async with ctx.db() as session:
        await _require_on_every_record(ctx, session, owners, AccessAction.UPDATE, "ownerIds")
        await require_user(session, new.assigned_to_id, "assignedToId")
        activity = Activity(
            kind=new.kind,
            subject=subject,
            description=description,
            direction=new.direction,
            start_at=_utc(new.start_at),
            end_at=_utc(new.end_at),
            completed=new.completed,
            completed_at=utcnow() if new.completed else None,
            assigned_to_id=viewer.user_id if new.assigned_to_id is None else new.assigned_to_id,
            created_by_id=viewer.user_id,
        )
        await insert_activity(session, activity, owners, viewer.user_id)
        await session.commit()
    ctx.forget_loaded()
    return activity


async def insert_activity(
    session: AsyncSession, activity: Activity, owners: Sequence[RecordKey], author_id: int | None
) -> None:
    """Adds a checked activity, bound to ``owners``, with a line in each one's timeline and
    its event (no commit; the event is written last, so only inserts may follow): shared
    with the mail outbox, which logs each message it sends."""
    session.add(activity)
    await session.flush()
    for entity, pk in owners:
        session.add(ActivityBinding(activity_id=activity.id, entity_type=entity, entity_id=pk))
        session.add(
            TimelineEntry(
                entity_type=entity,
                entity_id=pk,
                kind=TimelineKind.ACTIVITY,
                author_id=author_id,
                activity_id=activity.id,
            )
        )
    created: dict[str, list[Any]] = {
        "kind": [None, activity.kind.value],
        "assignedToId": [None, activity.assigned_to_id],
        "completed": [None, activity.completed],
    }
    await record_activity_changed(session, author_id, activity.id, owners, created)


async def _require_on_every_record(
    ctx: RequestContext,
    session: AsyncSession,
    records: Sequence[RecordKey],
    action: AccessAction,
    field: str,
) -> None:
    """FORBIDDEN unless ``action`` reaches every record: an activity is part of each record
    it is bound to, so binding, changing or deleting it changes them all. The refusal does
    not say which record refused, nor whether the viewer may read it."""
    policy = ctx.require_policy()
    by_entity: dict[CrmEntity, list[int]] = defaultdict(list)
    for entity, pk in records:
        by_entity[entity].append(pk)
    for entity, ids in by_entity.items():
        envelopes = await envelopes_by_id(session, entity, ids)
        if not all(policy.allows(action, envelope) for envelope in envelopes.values()):
            raise Forbidden(
                f"This needs {action.value} on every record the activity is bound to",
                field=field,
            )


async def _changeable_activity(
    ctx: RequestContext, session: AsyncSession, pk: int, action: AccessAction
) -> tuple[Activity, list[RecordKey]]:
    """The activity, if readable (else NOT_FOUND) and ``action`` reaches every record it is
    bound to, readable or not (else FORBIDDEN). Locked before it is read: of simultaneous
    changes each sees the one before it, and of simultaneous deletions one deletes."""
    await lock_for_write(session, Activity.id, pk)
    activity = await session.scalar(visible_activities(ctx).where(Activity.id == pk))
    if activity is None:
        raise not_found("Activity", pk)
    bound = await session.execute(
        select(ActivityBinding.entity_type, ActivityBinding.entity_id).where(
            ActivityBinding.activity_id == pk
        )
    )
    owners = list(bound.tuples())
    await _require_on_every_record(ctx, session, owners, action, "id")
    return activity, owners


async def update_activity(
    ctx: RequestContext, activity_id: int, changes: ActivityChanges
) -> Activity:
    viewer = ctx.require_viewer()
    async with ctx.db() as session:
        activity, owners = await _changeable_activity(
            ctx, session, activity_id, AccessAction.UPDATE
        )
        before = _counted(activity)
        if isinstance(changes.subject, str):
            activity.subject = text(changes.subject, "subject", max_length=MAX_TITLE)
        if isinstance(changes.description, str):
            activity.description = text(
                changes.description, "description", max_length=MAX_TEXT, required=False
            )
        if isinstance(changes.direction, ActivityDirection):
            activity.direction = changes.direction
        if changes.start_at is not MISSING:
            activity.start_at = _utc(changes.start_at)
        if changes.end_at is not MISSING:
            activity.end_at = _utc(changes.end_at)
        _period(activity.start_at, activity.end_at)
        if isinstance(changes.assigned_to_id, int):
            await require_user(session, changes.assigned_to_id, "assignedToId")
            activity.assigned_to_id = changes.assigned_to_id
        if isinstance(changes.completed, bool) and changes.completed != activity.completed:
            activity.completed = changes.completed
            activity.completed_at = utcnow() if changes.completed else None
        after = _counted(activity)
        changed = {key: [old, after[key]] for key, old in before.items() if old != after[key]}
        if changed:
            await record_activity_changed(session, viewer.user_id, activity.id, owners, changed)
        await session.commit()
    ctx.forget_loaded()
    return activity


async def complete_activity(ctx: RequestContext, activity_id: int) -> Activity:
    return await update_activity(ctx, activity_id, ActivityChanges(completed=True))


async def delete_activity(ctx: RequestContext, activity_id: int) -> int:
    viewer = ctx.require_viewer()
    async with ctx.db() as session:
        activity, owners = await _changeable_activity(
            ctx, session, activity_id, AccessAction.DELETE
        )
        await session.delete(activity)  # bindings and timeline entries go by foreign key
        deleted = {"deleted": [False, True]}
        await record_activity_changed(session, viewer.user_id, activity_id, owners, deleted)
        await session.commit()
    ctx.forget_loaded()
    return activity_id


def _counted(activity: Activity) -> dict[str, object]:
    """What an activity event tells of a change: the facts reports count."""
    return {
        "assignedToId": activity.assigned_to_id,
        "completed": activity.completed,
    }
