"""The commands every CRM record shares, driven by its declaration (``models.crm.entities``):
loading by id, listing, updating and deleting.

An entity's own rules plug in as named hooks (``UpdateHooks``): a hook takes over the
change of one field, or checks the record once the declared fields are applied.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from auth.policy import Envelope
from models import utcnow
from models.crm import CrmEntity
from models.crm.entities import (
    DECLARATIONS,
    Check,
    EntityDeclaration,
    Field,
    FieldKind,
    Through,
    declaration_of,
    declaration_of_type,
    type_name_of,
)
from resolvers.context import RequestContext
from resolvers.crm import events
from resolvers.crm.common import (
    ListQuery,
    currency,
    list_query,
    money,
    require_all,
    require_user,
)
from resolvers.crm.communications import NewCommunication, clean, replace_communications, summary
from resolvers.crm.custom_values import CustomInput, with_custom_fields, write_custom
from resolvers.crm.fields import RECORD_FIELDS
from resolvers.crm.filtering import Filter
from resolvers.crm.guards import guard_delete, guard_update, guard_update_allowed
from resolvers.crm.removal import forget_record
from resolvers.crm.timeline import Changes, write_changes
from resolvers.crm.visibility import visible
from resolvers.errors import BadInput, not_found
from resolvers.files.forget import discard_files
from resolvers.locking import lock_for_write
from resolvers.pagination import Page, PageRequest
from resolvers.validation import text

# The changes of an update: values by the fields' input keys, only those given; custom
# fields under ``CUSTOM``, as a sequence of ``CustomInput``.
RecordChanges = Mapping[str, Any]
CUSTOM = "customFields"

# Takes over the change of one field: (ctx, session, record, envelope before, value, log).
FieldHook = Callable[[RequestContext, AsyncSession, Any, Envelope, Any, Changes], Awaitable[None]]
# Checks the record once every given field is applied: (record, the given keys).
RecordCheck = Callable[[Any, frozenset[str]], None]
# Brings the survivor of a merge up to date once the merged records' links are its own.
MergeHook = Callable[[RequestContext, AsyncSession, Any], Awaitable[None]]


@dataclass(frozen=True)
class UpdateHooks:
    """An entity's own rules for updates."""

    fields: Mapping[str, FieldHook] = field(default_factory=dict)
    check: RecordCheck | None = None
    merged: MergeHook | None = None


NO_HOOKS = UpdateHooks()


# Reading


def _by_id_batch(
    entity: CrmEntity,
) -> Callable[[RequestContext, list[int]], Awaitable[Sequence[Any | None]]]:
    model = declaration_of(entity).model

    async def records_by_id(ctx: RequestContext, ids: list[int]) -> Sequence[Any | None]:
        async with ctx.db() as session:
            rows = (await session.execute(visible(ctx, entity).where(model.id.in_(ids)))).scalars()
            found = {row.id: row for row in rows}
        return [found.get(pk) for pk in ids]

    return records_by_id


# One batch function per entity: the request's loaders are keyed by it.
_BY_ID = {entity: _by_id_batch(entity) for entity in DECLARATIONS}


async def load_record(ctx: RequestContext, entity: CrmEntity, pk: int) -> Any | None:
    """The readable record, batched with the request's other loads; None if unreadable."""
    return await ctx.loader(_BY_ID[entity]).load(pk)


async def get_record(ctx: RequestContext, entity: CrmEntity, pk: int, field: str = "id") -> Any:
    ctx.require_viewer()
    record = await load_record(ctx, entity, pk)
    if record is None:
        raise not_found(type_name_of(entity), pk, field)
    return record


async def list_of(
    ctx: RequestContext,
    entity: CrmEntity,
    filter: Filter,
    order: Sequence[tuple[str, bool]],
    page: PageRequest,
) -> Page[Any]:
    return await (await query_of(ctx, entity, filter, order)).page(ctx, page)


async def query_of(
    ctx: RequestContext, entity: CrmEntity, filter: Filter, order: Sequence[tuple[str, bool]]
) -> ListQuery[Any]:
    """The rows of the ``entity`` list (``list_of``) before paging."""
    return await list_query(
        ctx,
        visible(ctx, entity),
        await with_custom_fields(ctx, entity, RECORD_FIELDS[entity], filter, order),
        filter,
        order,
        counted=visible(ctx, entity, bulk=True),
    )


# Writing


async def writable_record(
    ctx: RequestContext, session: AsyncSession, entity: CrmEntity, pk: int, field: str = "id"
) -> Any:
    """The readable record, locked before it is read (so that each recorded old value is the
    previous new one); NOT_FOUND naming ``field`` otherwise."""
    model = declaration_of(entity).model
    await lock_for_write(session, model.id, pk)
    record = await session.scalar(visible(ctx, entity).where(model.id == pk))
    if record is None:
        raise not_found(type_name_of(entity), pk, field)
    return record


async def update_record(
    ctx: RequestContext,
    entity: CrmEntity,
    pk: int,
    changes: RecordChanges,
    hooks: UpdateHooks = NO_HOOKS,
) -> Any:
    """Applies the given fields in declaration order, with the entity's hooks, then checks
    UPDATE before and after and records the change (timeline, event)."""
    viewer = ctx.require_viewer()
    declaration = declaration_of(entity)
    patchable = {field.change_key for field in declaration.fields if field.patchable}
    unknown = set(changes) - patchable - {CUSTOM}
    if unknown:
        name = sorted(unknown)[0]
        raise BadInput(f"No {entity.value.lower()} field {name} that an update sets", field=name)
    async with ctx.db() as session:
        record = await writable_record(ctx, session, entity, pk)
        before = await guard_update_allowed(ctx, session, record)
        log = Changes()
        await apply_changes(ctx, session, declaration, record, before, changes, hooks, log)
        custom: Sequence[CustomInput] = changes.get(CUSTOM, ())
        noted = len(log.entries)
        await write_custom(ctx, session, entity, record.id, custom, log, creating=False)
        if len(log.entries) > noted:
            # Custom values live in another table: the record changed all the same.
            record.updated_at = utcnow()
        if hooks.check is not None:
            hooks.check(record, frozenset(changes))
        await guard_update(ctx, session, record, before, log)
        write_changes(session, entity, record.id, viewer.user_id, log)
        await events.record_updated(session, ctx, record, log)
        await session.commit()
    ctx.forget_loaded()
    return record


async def apply_changes(
    ctx: RequestContext,
    session: AsyncSession,
    declaration: EntityDeclaration,
    record: Any,
    before: Envelope,
    changes: RecordChanges,
    hooks: UpdateHooks,
    log: Changes,
) -> None:
    """The given declared fields (not custom ones), in declaration order, each through the
    entity's hook for it or as its declaration says; noted in ``log``."""
    for declared in declaration.fields:
        key = declared.change_key
        if key not in changes:
            continue
        hook = hooks.fields.get(key)
        if hook is not None:
            await hook(ctx, session, record, before, changes[key], log)
        else:
            await apply_field(ctx, session, declaration, declared, record, changes[key], log)


async def apply_field(
    ctx: RequestContext,
    session: AsyncSession,
    declaration: EntityDeclaration,
    field: Field,
    record: Any,
    value: Any,
    log: Changes,
) -> None:
    """One field's new value, checked as its declaration says and noted in ``log``."""
    if field.kind is FieldKind.COMMUNICATIONS:
        await apply_communications(session, declaration.entity, record, value, log)
        return
    if field.kind is FieldKind.LINKS:
        await replace_links(ctx, session, field, record.id, value, log)
        return
    assert field.attribute is not None, field.name
    if field.kind is FieldKind.ID:
        await _check_reference(ctx, session, declaration, field, value)
    log.set(record, field.attribute, checked_value(field, value), field.input_key)


def checked_value(field: Field, value: Any) -> Any:
    """A column value as the field's declaration allows it; BAD_USER_INPUT naming it."""
    key = field.input_key
    if value is None:
        return None
    if field.kind is FieldKind.TEXT:
        if field.check is Check.CURRENCY:
            return currency(value, key)
        return text(value, key, max_length=field.max_length or 0, required=field.required)
    if field.kind is FieldKind.DECIMAL and isinstance(value, Decimal):
        return money(value, key)
    if field.kind is FieldKind.INT and field.bounds is not None:
        low, high = field.bounds
        if not low <= value <= high:
            raise BadInput(f"'{key}' must be between {low} and {high}", field=key)
    return value


async def _check_reference(
    ctx: RequestContext,
    session: AsyncSession,
    declaration: EntityDeclaration,
    field: Field,
    value: int | None,
) -> None:
    key = field.input_key
    if value is None:
        if field.required:
            what = "a responsible user" if field.target == "User" else f"a {field.name}"
            raise BadInput(f"A {declaration.entity.value.lower()} needs {what}", field=key)
        return
    if field.target == "User":
        await require_user(session, value, key)
        return
    other = declaration_of_type(field.target or "")
    await require_all(session, visible(ctx, other.entity), other.model.id, [value], key)


def link_ids(field: Field, ids: Sequence[int]) -> list[int]:
    """The ids of a many-to-many link, without repeats, within its limit."""
    key = field.change_key
    if len(ids) > field.max_links:
        raise BadInput(f"At most {field.max_links} links", field=key)
    return list(dict.fromkeys(ids))


async def replace_links(
    ctx: RequestContext,
    session: AsyncSession,
    field: Field,
    record_id: int,
    ids: Sequence[int],
    log: Changes,
) -> None:
    """The record's links of ``field`` become ``ids``; the log notes both id lists."""
    wanted = link_ids(field, ids)
    await require_linkable(ctx, session, field, wanted)
    through = _through(field)
    own, other = getattr(through.model, through.own), getattr(through.model, through.other)
    current = list(
        (await session.execute(select(other).where(own == record_id).order_by(other))).scalars()
    )
    if sorted(wanted) == current:
        return
    await session.execute(delete(through.model).where(own == record_id))
    insert_links(session, field, record_id, wanted)
    key = field.change_key
    log.note(key, ",".join(map(str, current)), ",".join(map(str, sorted(wanted))))


def _through(field: Field) -> Through:
    assert field.through is not None, field.name
    return field.through


async def require_linkable(
    ctx: RequestContext, session: AsyncSession, field: Field, ids: Sequence[int]
) -> None:
    """NOT_FOUND naming the link unless the viewer may read every record ``ids`` names."""
    other = declaration_of_type(field.target or "")
    key = field.change_key
    await require_all(session, visible(ctx, other.entity), other.model.id, ids, key)


def insert_links(session: AsyncSession, field: Field, record_id: int, ids: list[int]) -> None:
    """Links a record to ``ids``, checked by ``link_ids`` and ``require_linkable``."""
    through = _through(field)
    session.add_all(through.model(**{through.own: record_id, through.other: pk}) for pk in ids)


async def apply_communications(
    session: AsyncSession,
    entity: CrmEntity,
    record: Any,
    items: Sequence[NewCommunication],
    log: Changes,
) -> None:
    cleaned = clean(items)
    old = await replace_communications(session, entity, record.id, cleaned)
    log.note("communications", old, summary(cleaned))


async def delete_record(ctx: RequestContext, entity: CrmEntity, pk: int) -> int:
    ctx.require_viewer()
    async with ctx.db() as session:
        record = await writable_record(ctx, session, entity, pk)
        await guard_delete(ctx, session, record)
        await remove_record(ctx, session, entity, record)
        await session.commit()
        await discard_files(ctx.services.files.store, session)
    ctx.forget_loaded()
    return pk


async def remove_record(
    ctx: RequestContext, session: AsyncSession, entity: CrmEntity, record: Any
) -> None:
    """Deletes a record whose DELETE right is checked, with what names it, and records its
    deletion event: what ``deleteX`` and a merge's merged records go through."""
    await forget_record(session, entity, record.id)
    await session.delete(record)
    await events.record_deleted(session, ctx, record)
