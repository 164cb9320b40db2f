"""Custom field values on records: writing them with a record's create or update (checked,
noted in the change log like any field), reading them a page at a time, and the filter,
order and search terms of the entity's lists.

A custom field is named by its code wherever a built-in field is named by its GraphQL name:
in inputs, filters, orders, the change log (so timelines, feed ``changes`` and
``dealChanged`` mask it as they mask any field) and field rules (so the policy hides it or
makes it read-only like any field).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import ColumnElement, String, and_, cast, delete, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from models.crm import CrmEntity, CustomField, CustomFieldKind, CustomValue
from models.crm.entities import FieldKind, declaration_of, type_name_of
from models.global_ids import key_of
from resolvers.context import RequestContext
from resolvers.crm.common import require_all, require_user
from resolvers.crm.custom_checks import COLUMN, MAX_INTEGER, TEXTUAL, RawValue, Stored, check_values
from resolvers.crm.custom_fields import definitions
from resolvers.crm.filtering import (
    Fields,
    FieldSpec,
    Filter,
    Readable,
    filtered_fields,
    searches,
)
from resolvers.crm.timeline import Changes
from resolvers.crm.visibility import visible
from resolvers.errors import BadInput
from resolvers.validation import moment

KIND = CustomFieldKind
MAX_GIVEN = 200


@dataclass(frozen=True)
class CustomInput:
    """The new values of one custom field, by its code; none clears it."""

    code: str
    values: Sequence[RawValue]


# Writing


async def write_custom(
    ctx: RequestContext,
    session: AsyncSession,
    entity: CrmEntity,
    record_id: int,
    given: Sequence[CustomInput],
    log: Changes,
    *,
    creating: bool,
    enforce_required: bool = True,
) -> None:
    """Sets the given custom fields of a record (a new record also takes the defaults of the
    fields not given), each checked for its kind and noted in ``log`` under its code. A
    record made by a conversion (``enforce_required`` false) may leave required fields empty:
    the lead has nothing to fill them with."""
    fields = {
        field.code: field
        for field in await session.scalars(select(CustomField).where(CustomField.entity == entity))
    }
    wanted = _wanted(fields, given)
    if creating:
        for code, field in fields.items():
            if code not in wanted and field.default:
                wanted[code] = [RawValue.from_json(item) for item in field.default]
    for code, field in fields.items():
        values = wanted.get(code)
        if values is None:
            if creating and field.required and enforce_required:
                raise BadInput(f"'{code}' ({field.name}) is required", field=code)
            continue
        if field.required and not values:
            raise BadInput(f"'{code}' ({field.name}) is required", field=code)
        stored = check_values(field, values, code)
        if field.kind is KIND.USER:
            for value in stored:
                await require_user(session, value.integer, code)
        if field.kind is KIND.CRM_RECORD:
            for value in stored:
                await _require_readable(ctx, session, value, code)
        await replace_values(session, entity, record_id, field, stored, log)


async def _require_readable(
    ctx: RequestContext, session: AsyncSession, value: Stored, code: str
) -> None:
    """NOT_FOUND naming the field unless the writer may read the referenced record, as for a
    built-in reference: a value must not reveal (nor point at) what its writer cannot see."""
    entity = CrmEntity(value.text)
    model = declaration_of(entity).model
    await require_all(session, visible(ctx, entity), model.id, [value.integer or 0], code)


def _wanted(
    fields: dict[str, CustomField], given: Sequence[CustomInput]
) -> dict[str, Sequence[RawValue]]:
    if len(given) > MAX_GIVEN:
        raise BadInput(f"At most {MAX_GIVEN} custom fields at once", field="customFields")
    wanted: dict[str, Sequence[RawValue]] = {}
    for item in given:
        if item.code not in fields:
            raise BadInput(f"No custom field '{item.code}'", field=item.code)
        if item.code in wanted:
            raise BadInput(f"'{item.code}' is given twice", field=item.code)
        wanted[item.code] = item.values
    return wanted


async def replace_values(
    session: AsyncSession,
    entity: CrmEntity,
    record_id: int,
    field: CustomField,
    stored: list[Stored],
    log: Changes,
) -> None:
    """A record's values of one field become ``stored`` (checked already), noted in ``log``."""
    current = list(
        await session.scalars(
            select(CustomValue)
            .where(CustomValue.field_id == field.id, CustomValue.record_id == record_id)
            .order_by(CustomValue.position)
        )
    )
    old = [stored_of(row) for row in current]
    if old == stored:
        return
    await session.execute(
        delete(CustomValue).where(
            CustomValue.field_id == field.id, CustomValue.record_id == record_id
        )
    )
    session.add_all(
        CustomValue(
            field_id=field.id,
            entity=entity,
            record_id=record_id,
            position=position,
            **dataclasses.asdict(value),
        )
        for position, value in enumerate(stored)
    )
    log.note(field.code, _summary(field, old), _summary(field, stored))


def stored_of(row: CustomValue) -> Stored:
    """A value row as the checks and summaries take it."""
    return Stored(
        text=row.text,
        integer=row.integer,
        number=row.number,
        flag=row.flag,
        day=row.day,
        moment=row.moment,
        digits=row.digits,
    )


def _summary(field: CustomField, values: list[Stored]) -> str | None:
    return ", ".join(value.summary(field.kind) for value in values) if values else None


async def note_custom_values(
    session: AsyncSession, entity: CrmEntity, record_id: int, log: Changes
) -> None:
    """A new record's custom values (given or defaults), noted in ``log`` under their codes in
    the fields' order: its creation event lists them as it lists its built-in fields, and
    the feed masks them by the same field rules."""
    await session.flush()
    rows = await session.execute(
        select(CustomField, CustomValue)
        .join(CustomValue, CustomValue.field_id == CustomField.id)
        .where(CustomValue.entity == entity, CustomValue.record_id == record_id)
        .order_by(CustomField.sort, CustomField.id, CustomValue.position)
    )
    found: dict[int, tuple[CustomField, list[Stored]]] = {}
    for field, row in rows.tuples():
        found.setdefault(field.id, (field, []))[1].append(stored_of(row))
    for field, stored in found.values():
        log.note(field.code, None, _summary(field, stored))


async def forget_custom_values(session: AsyncSession, entity: CrmEntity, record_id: int) -> None:
    await session.execute(
        delete(CustomValue).where(CustomValue.entity == entity, CustomValue.record_id == record_id)
    )


# Reading


async def _values_batch(
    ctx: RequestContext, keys: list[tuple[CrmEntity, int]]
) -> list[list[CustomValue]]:
    found: dict[tuple[CrmEntity, int], list[CustomValue]] = {key: [] for key in keys}
    async with ctx.db() as session:
        for entity in {entity for entity, _ in keys}:
            ids = [record_id for each, record_id in keys if each is entity]
            rows = await session.scalars(
                select(CustomValue)
                .where(CustomValue.entity == entity, CustomValue.record_id.in_(ids))
                .order_by(CustomValue.field_id, CustomValue.position)
            )
            for row in rows:
                found[(entity, row.record_id)].append(row)
    return [found[key] for key in keys]


async def values_of(ctx: RequestContext, entity: CrmEntity, record_id: int) -> list[CustomValue]:
    """The record's custom values, loaded with those of the page's other records."""
    return await ctx.loader(_values_batch).load((entity, record_id))


# Lists

# How each kind compares in filters and orders.
_FILTER_KIND: dict[CustomFieldKind, FieldKind] = {
    **dict.fromkeys(TEXTUAL, FieldKind.TEXT),
    KIND.INTEGER: FieldKind.INT,
    KIND.USER: FieldKind.INT,
    KIND.CRM_RECORD: FieldKind.ID,
    KIND.DECIMAL: FieldKind.DECIMAL,
    KIND.MONEY: FieldKind.DECIMAL,
    KIND.BOOLEAN: FieldKind.BOOLEAN,
    KIND.DATE: FieldKind.DATE,
    KIND.DATETIME: FieldKind.DATETIME,
}


def _parser(kind: CustomFieldKind) -> Any:
    def parse(operand: Any, path: str) -> Any:
        raw = str(operand)
        try:
            if kind in TEXTUAL:
                return raw
            if kind is KIND.CRM_RECORD:
                return _record_key(raw)
            if kind is KIND.USER:
                key = key_of(raw, "User")
                if key is None:
                    raise ValueError(raw)
                return key
            if kind is KIND.INTEGER:
                whole = int(raw)
                if abs(whole) > MAX_INTEGER:
                    raise ValueError(raw)
                return whole
            if kind in (KIND.DECIMAL, KIND.MONEY):
                number = Decimal(raw)
                if not number.is_finite():
                    raise ValueError(raw)
                return number
            if kind is KIND.BOOLEAN:
                if raw not in ("true", "false"):
                    raise ValueError(raw)
                return raw == "true"
            if kind is KIND.DATE:
                return date.fromisoformat(raw)
            return moment(datetime.fromisoformat(raw), path)
        except (ValueError, InvalidOperation) as error:
            raise BadInput(f"'{raw}' is not a {kind.value.lower()} value", field=path) from error

    return parse


def _record_key(raw: str) -> str:
    """A CRM record's global ID as ``_RECORD_KEY`` spells it: ``ENTITY:id``."""
    for entity in CrmEntity:
        key = key_of(raw, type_name_of(entity))
        if key is not None:
            return f"{entity.value}:{key}"
    raise ValueError(raw)


# A CRM record value as one comparable text (its entity and id live in two columns).
_RECORD_KEY = CustomValue.text + ":" + cast(CustomValue.integer, String)


def _spec(entity: CrmEntity, field: CustomField) -> FieldSpec:
    model = declaration_of(entity).model
    record = field.kind is KIND.CRM_RECORD
    column = _RECORD_KEY if record else getattr(CustomValue, COLUMN[field.kind])
    # A field of several values sorts by its first one (no min(): PostgreSQL has none for
    # booleans).
    order = (
        select(column)
        .where(CustomValue.field_id == field.id, CustomValue.record_id == model.id)
        .order_by(CustomValue.position)
        .limit(1)
        .scalar_subquery()
    )

    def order_join() -> tuple[Any, ColumnElement[bool], Any]:
        value = aliased(CustomValue)
        if field.multiple:
            # Removed options may leave a record's first value at a later position.
            first: ColumnElement[bool] = value.position == (
                select(func.min(CustomValue.position))
                .where(
                    CustomValue.field_id == value.field_id,
                    CustomValue.record_id == value.record_id,
                )
                .scalar_subquery()
            )
        else:
            first = value.position == 0
        onclause = and_(value.field_id == field.id, value.record_id == model.id, first)
        return value, onclause, getattr(value, COLUMN[field.kind])

    return FieldSpec(
        column,
        _FILTER_KIND[field.kind],
        # Records of four kinds have no order of their own.
        orderable=not record,
        through=CustomValue.record_id,
        rule=field.code,
        scope=CustomValue.field_id == field.id,
        parse=_parser(field.kind),
        order_column=order,
        order_join=order_join,
    )


def reads_definitions(fields: Fields, filter: Filter, order: Sequence[tuple[str, bool]]) -> bool:
    """Whether the list names a field that is not built in, or searches: then its query
    depends on the custom fields' definitions."""
    named = filtered_fields(filter) | {name for name, _ in order}
    return not named <= set(fields.by_name) or searches(filter)


async def with_custom_fields(
    ctx: RequestContext,
    entity: CrmEntity,
    fields: Fields,
    filter: Filter,
    order: Sequence[tuple[str, bool]],
) -> Fields:
    """The list's fields with the entity's custom fields: filtered and ordered by their codes,
    and the textual ones searched where no role of the viewer may hide them (a search must
    not match on a hidden value; built-in fields refuse such a search, custom ones stay out
    of it so that adding a field never breaks a viewer's searches). A list that names no
    field but built-in ones and searches nothing reads no definitions: one statement less on
    every plain page."""
    if not reads_definitions(fields, filter, order):
        return fields
    custom = await definitions(ctx, entity)
    if not custom:
        return fields
    policy = ctx.require_policy()
    searched = [
        field.id
        for field in custom
        if field.kind in TEXTUAL and not policy.may_hide_field(entity, field.code)
    ]
    base = fields.search

    def search(term: str, readable: Readable) -> ColumnElement[bool]:
        if not searched:
            return base(term, readable)
        matching = select(CustomValue.record_id).where(
            CustomValue.field_id.in_(searched),
            func.lower(CustomValue.text).contains(term.lower(), autoescape=True),
        )
        return or_(base(term, readable), fields.pk.in_(matching))

    return dataclasses.replace(
        fields,
        by_name={**fields.by_name, **{field.code: _spec(entity, field) for field in custom}},
        search=search,
    )
