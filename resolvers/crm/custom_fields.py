"""Custom field definitions: what administrators add to an entity at run time, and how every
request reads them.

Definitions are read once per request (a loader keyed by entity), never cached across
requests: a field added, renamed or deleted through one process is seen by the very next
request of every other process, with no invalidation message to lose. It is one indexed
statement of a few rows, paid only by requests that touch custom fields.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from auth.policy import ENTITY_FIELDS
from models import FieldRule
from models.crm import CrmEntity, CustomField, CustomFieldKind, CustomValue
from resolvers.access.freshness import access_changed
from resolvers.context import RequestContext
from resolvers.crm.custom_checks import RawValue, check_values
from resolvers.errors import BadInput, not_found
from resolvers.validation import text

MAX_FIELDS = 200
MAX_OPTIONS = 200
MAX_OPTION = 255
MAX_NAME = 100
_CODE = re.compile(r"^UF_[A-Z0-9_]{1,47}$")
# Kinds whose values may repeat on one record: a yes/no flag has one value.
SINGLE_ONLY = frozenset({CustomFieldKind.BOOLEAN})


@dataclass(frozen=True)
class NewCustomField:
    entity: CrmEntity
    code: str
    name: str
    kind: CustomFieldKind
    required: bool = False
    multiple: bool = False
    options: Sequence[str] = ()
    default: Sequence[RawValue] = ()


# Reading


async def _definitions_batch(
    ctx: RequestContext, entities: list[CrmEntity]
) -> list[list[CustomField]]:
    async with ctx.db() as session:
        rows = await session.scalars(
            select(CustomField)
            .where(CustomField.entity.in_(entities))
            .order_by(CustomField.sort, CustomField.id)
        )
        found: dict[CrmEntity, list[CustomField]] = {entity: [] for entity in entities}
        for row in rows:
            found[row.entity].append(row)
    return [found[entity] for entity in entities]


async def definitions(ctx: RequestContext, entity: CrmEntity) -> list[CustomField]:
    """The entity's custom fields in their order, read once per request."""
    return await ctx.loader(_definitions_batch).load(entity)


async def definition_by_code(ctx: RequestContext, entity: CrmEntity) -> dict[str, CustomField]:
    return {field.code: field for field in await definitions(ctx, entity)}


async def custom_codes(session: AsyncSession, entity: CrmEntity) -> set[str]:
    """The codes of the entity's custom fields, as field rules may name them."""
    return set(await session.scalars(select(CustomField.code).where(CustomField.entity == entity)))


# Administering


async def create_field(ctx: RequestContext, new: NewCustomField) -> CustomField:
    ctx.require_admin()
    code = new.code.strip().upper()
    if not _CODE.match(code):
        raise BadInput(
            "A code is UF_ then capital letters, digits and underscores (at most 50)",
            field="code",
        )
    if code in ENTITY_FIELDS[new.entity]:
        raise BadInput(f"'{code}' is a built-in field", field="code")
    if new.multiple and new.kind in SINGLE_ONLY:
        raise BadInput(f"A {new.kind.value} field holds one value", field="multiple")
    options = _checked_options(new.kind, new.options)
    field = CustomField(
        entity=new.entity,
        code=code,
        name=text(new.name, "name", max_length=MAX_NAME),
        kind=new.kind,
        required=new.required,
        multiple=new.multiple,
        options=options,
        default=[],
    )
    field.default = _checked_default(field, new.default)
    async with ctx.db() as session:
        count = await session.scalar(select(func.count()).where(CustomField.entity == new.entity))
        if (count or 0) >= MAX_FIELDS:
            raise BadInput(f"At most {MAX_FIELDS} custom fields per entity", field="code")
        if code in await custom_codes(session, new.entity):
            raise BadInput(f"'{code}' already exists", field="code")
        highest = await session.scalar(
            select(func.max(CustomField.sort)).where(CustomField.entity == new.entity)
        )
        field.sort = (highest or 0) + 10
        session.add(field)
        await session.commit()
    ctx.forget_loaded()
    return field


async def rename_field(ctx: RequestContext, field_id: int, name: str) -> CustomField:
    ctx.require_admin()
    async with ctx.db() as session:
        field = await require_field(session, field_id)
        field.name = text(name, "name", max_length=MAX_NAME)
        await session.commit()
    ctx.forget_loaded()
    return field


async def reorder_fields(
    ctx: RequestContext, entity: CrmEntity, field_ids: Sequence[int]
) -> list[CustomField]:
    """The entity's fields in the order given, which must name each of them once."""
    ctx.require_admin()
    async with ctx.db() as session:
        fields = list(
            await session.scalars(select(CustomField).where(CustomField.entity == entity))
        )
        if sorted(field_ids) != sorted(field.id for field in fields) or len(set(field_ids)) != len(
            field_ids
        ):
            raise BadInput("Name every custom field of the entity once", field="fieldIds")
        by_id = {field.id: field for field in fields}
        for index, field_id in enumerate(field_ids):
            by_id[field_id].sort = (index + 1) * 10
        await session.commit()
    ctx.forget_loaded()
    return [by_id[field_id] for field_id in field_ids]


async def set_options(ctx: RequestContext, field_id: int, options: Sequence[str]) -> CustomField:
    """An enumeration's options become ``options``, in that order; values of options left
    out are removed from every record."""
    ctx.require_admin()
    async with ctx.db() as session:
        field = await require_field(session, field_id)
        if field.kind is not CustomFieldKind.ENUMERATION:
            raise BadInput("Only an enumeration has options", field="id")
        field.options = _checked_options(field.kind, options)
        await session.execute(
            delete(CustomValue).where(
                CustomValue.field_id == field.id, CustomValue.text.not_in(field.options)
            )
        )
        field.default = [item for item in field.default if item.get("string") in field.options]
        await session.commit()
    ctx.forget_loaded()
    return field


async def delete_field(ctx: RequestContext, field_id: int, confirm: bool) -> CustomField:
    """Deletes the field, its values on every record and the field rules naming it; only with
    ``confirm``, as nothing brings the values back."""
    admin = ctx.require_admin()
    if not confirm:
        raise BadInput("Deleting a field deletes its values: confirm it", field="confirm")
    async with ctx.db() as session:
        field = await require_field(session, field_id)
        await session.execute(delete(CustomValue).where(CustomValue.field_id == field.id))
        await session.execute(
            delete(FieldRule).where(FieldRule.entity == field.entity, FieldRule.field == field.code)
        )
        await session.delete(field)
        await access_changed(session, actor_id=admin.user_id)
        await session.commit()
    ctx.forget_loaded()
    return field


async def require_field(session: AsyncSession, field_id: int) -> CustomField:
    field = await session.get(CustomField, field_id, with_for_update=True)
    if field is None:
        raise not_found("CustomField", field_id)
    return field


def _checked_options(kind: CustomFieldKind, options: Sequence[str]) -> list[str]:
    if kind is not CustomFieldKind.ENUMERATION:
        if options:
            raise BadInput("Only an enumeration has options", field="options")
        return []
    cleaned = [text(option, "options", max_length=MAX_OPTION) for option in options]
    if not cleaned or len(cleaned) > MAX_OPTIONS:
        raise BadInput(f"An enumeration has 1 to {MAX_OPTIONS} options", field="options")
    if len(set(cleaned)) != len(cleaned):
        raise BadInput("Options must differ", field="options")
    return cleaned


def _checked_default(field: CustomField, default: Sequence[RawValue]) -> list[dict[str, Any]]:
    """The default as stored: checked as a value of the field would be (a user reference is
    checked when a record takes it)."""
    check_values(field, default, "default")
    return [value.as_json() for value in default]
