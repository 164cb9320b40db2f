"""The columns of an export, read from each entity's declaration, and their cells for a chunk
of rows, judged by the viewer's field rules row by row.

A column is named as the field is named on the entity's GraphQL type (``title``,
``assignedTo``), a custom field by its code; ``phones`` and ``emails`` split the
communications. References show their record's name (a user's, a stage's, a company's
title), links the names of every linked record the viewer may read, custom values as the
change log shows them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from auth.policy import Envelope
from models import User
from models.crm import (
    Communication,
    CommunicationKind,
    CrmEntity,
    CustomField,
    CustomValue,
    DealStage,
    LeadSource,
    LeadStatus,
    Pipeline,
)
from models.crm.entities import (
    EntityDeclaration,
    Field,
    FieldKind,
    declaration_of,
    declaration_of_type,
    type_name_of,
)
from models.global_ids import global_id
from resolvers.access.envelopes import envelopes_by_id
from resolvers.context import RequestContext
from resolvers.crm.custom_checks import Stored
from resolvers.crm.custom_values import stored_of
from resolvers.crm.visibility import visible

# A cell: text, several texts (phones, linked records), or nothing (hidden or empty).
Cell = str | list[str] | None
Row = list[Cell]

# References to rows of a dictionary, shown by their name.
_NAMED: dict[str, type[Any]] = {
    "User": User,
    "DealStage": DealStage,
    "Pipeline": Pipeline,
    "LeadStatus": LeadStatus,
    "LeadSource": LeadSource,
}
_RECORD_TYPES = frozenset(type_name_of(entity) for entity in CrmEntity)
_SCALARS = frozenset(
    {
        FieldKind.TEXT,
        FieldKind.DECIMAL,
        FieldKind.INT,
        FieldKind.DATETIME,
        FieldKind.DATE,
        FieldKind.BOOLEAN,
    }
)
COMMUNICATION_COLUMNS = {"phones": CommunicationKind.PHONE, "emails": CommunicationKind.EMAIL}


@dataclass(frozen=True)
class Column:
    """One exportable column: its name, the field rule that hides it (None: no rule may),
    and where its value comes from: a built-in field, a communication kind, a custom field."""

    name: str
    rule: str | None
    field: Field | None = None
    communication: CommunicationKind | None = None
    custom: CustomField | None = None


def columns_of(entity: CrmEntity, custom: Sequence[CustomField]) -> dict[str, Column]:
    """Every column an export of ``entity`` may have, in the declaration's order, then the
    custom fields in theirs."""
    declaration = declaration_of(entity)
    maskable = declaration.maskable_names()
    columns: dict[str, Column] = {}
    for field in declaration.fields:
        rule = field.name if field.name in maskable else None
        if field.kind is FieldKind.COMMUNICATIONS:
            for name, kind in COMMUNICATION_COLUMNS.items():
                columns[name] = Column(name, rule, communication=kind)
        elif _exportable(field):
            columns[field.name] = Column(field.name, rule, field=field)
    for item in custom:
        columns[item.code] = Column(item.code, item.code, custom=item)
    return columns


def _exportable(field: Field) -> bool:
    if field.kind in _SCALARS:
        return field.attribute is not None
    if field.kind is FieldKind.ID:
        return field.attribute is not None
    # A link kept in a table of its own (a company's deals are the deals' company: exported
    # from the deals' side).
    return field.kind is FieldKind.LINKS and field.through is not None


def text_of(value: Any) -> str | None:
    """A column value as an export shows it: ISO dates, plain decimals, true / false."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return f"{value:f}"
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


@dataclass
class Chunk:
    """What the cells of a chunk of rows read besides the rows: looked up once per chunk."""

    hidden: list[frozenset[str]]
    names: dict[str, dict[int, str]]
    linked: dict[str, dict[int, list[str]]]
    communications: dict[int, list[Communication]]
    custom: dict[int, dict[int, list[Stored]]]


async def cells(
    ctx: RequestContext, entity: CrmEntity, columns: Sequence[Column], rows: Sequence[Any]
) -> list[Row]:
    """The cells of ``rows`` (readable records of ``entity``) under ``columns``, empty where
    the viewer's field rules hide the value on that row; a constant number of statements."""
    chunk = Chunk(
        hidden=await _hidden(ctx, entity, rows),
        names=await _names(ctx, columns, rows),
        linked={},
        communications=await _communications(ctx, entity, columns, rows),
        custom=await _custom(ctx, entity, columns, rows),
    )
    for column in columns:
        field = column.field
        if field is not None and field.target in _RECORD_TYPES and field.name != "id":
            chunk.linked[column.name] = await _linked(ctx, entity, field, rows)
    return [
        [_cell(column, row, chunk, index) for column in columns] for index, row in enumerate(rows)
    ]


def _cell(column: Column, row: Any, chunk: Chunk, index: int) -> Cell:
    if column.rule is not None and column.rule in chunk.hidden[index]:
        return None
    field = column.field
    if column.communication is not None:
        items = chunk.communications.get(row.id, [])
        return [item.value for item in items if item.kind is column.communication]
    if column.custom is not None:
        stored = chunk.custom.get(row.id, {}).get(column.custom.id, [])
        return [value.summary(column.custom.kind) for value in stored] if stored else None
    assert field is not None
    if field.name == "id":
        return global_id(field.target or "", row.id)
    if column.name in chunk.linked:
        return chunk.linked[column.name].get(row.id) or None
    value = getattr(row, field.attribute or "") if field.attribute else None
    if field.kind is FieldKind.ID:
        return None if value is None else chunk.names.get(column.name, {}).get(value)
    return text_of(value)


async def _hidden(
    ctx: RequestContext, entity: CrmEntity, rows: Sequence[Any]
) -> list[frozenset[str]]:
    policy = ctx.require_policy()
    if not policy.may_hide(entity) or not rows:
        return [frozenset()] * len(rows)
    envelopes = await _envelopes(ctx, entity, [row.id for row in rows])
    return [policy.hidden_fields(envelopes[row.id]) for row in rows]


async def _envelopes(
    ctx: RequestContext, entity: CrmEntity, ids: Sequence[int]
) -> dict[int, Envelope]:
    async with ctx.db() as session:
        return await envelopes_by_id(session, entity, ids)


async def _names(
    ctx: RequestContext, columns: Sequence[Column], rows: Sequence[Any]
) -> dict[str, dict[int, str]]:
    """For each reference column to a dictionary or a user, the names of the rows' values."""
    found: dict[str, dict[int, str]] = {}
    for column in columns:
        field = column.field
        if field is None or field.target not in _NAMED or field.attribute is None:
            continue
        model = _NAMED[field.target or ""]
        ids = {getattr(row, field.attribute) for row in rows} - {None}
        if not ids:
            found[column.name] = {}
            continue
        async with ctx.db() as session:
            pairs = await session.execute(select(model.id, model.name).where(model.id.in_(ids)))
            found[column.name] = dict(pairs.tuples().all())
    return found


async def _linked(
    ctx: RequestContext, entity: CrmEntity, field: Field, rows: Sequence[Any]
) -> dict[int, list[str]]:
    """The names of the records each row links to through ``field`` that the viewer may read
    and whose name and own end of the link they may see (as a nested field shows them)."""
    other = declaration_of_type(field.target or "")
    pairs = await _link_pairs(ctx, field, rows)
    wanted = sorted({other_id for _, other_id in pairs})
    if not wanted:
        return {}
    async with ctx.db() as session:
        readable = {
            record.id: record
            for record in await session.scalars(
                visible(ctx, other.entity).where(other.model.id.in_(wanted))
            )
        }
    policy = ctx.require_policy()
    envelopes = await _envelopes(ctx, other.entity, list(readable))
    other_end = field.other_end[1] if field.other_end is not None else None
    named: dict[int, str] = {}
    for record_id, record in readable.items():
        hidden = policy.hidden_fields(envelopes[record_id]) if policy.may_hide(other.entity) else ()
        if other_end is not None and other_end in hidden:
            continue
        named[record_id] = _record_name(other, record, hidden)
    found: dict[int, list[str]] = defaultdict(list)
    for row_id, other_id in pairs:
        if other_id in named:
            found[row_id].append(named[other_id])
    return {row_id: sorted(names) for row_id, names in found.items()}


def _record_name(declaration: EntityDeclaration, record: Any, hidden: Any) -> str:
    parts = [
        getattr(record, declaration.field(name).attribute or "") or ""
        for name in declaration.name_fields
        if name not in hidden
    ]
    return " ".join(part for part in parts if part)


async def _link_pairs(
    ctx: RequestContext, field: Field, rows: Sequence[Any]
) -> list[tuple[int, int]]:
    if field.through is None:
        return [
            (row.id, getattr(row, field.attribute or ""))
            for row in rows
            if getattr(row, field.attribute or "") is not None
        ]
    through = field.through
    own, other = getattr(through.model, through.own), getattr(through.model, through.other)
    async with ctx.db() as session:
        found = await session.execute(
            select(own, other).where(own.in_([row.id for row in rows])).order_by(own, other)
        )
        return [(own_id, other_id) for own_id, other_id in found.tuples()]


async def _communications(
    ctx: RequestContext, entity: CrmEntity, columns: Sequence[Column], rows: Sequence[Any]
) -> dict[int, list[Communication]]:
    if not rows or not any(column.communication is not None for column in columns):
        return {}
    found: dict[int, list[Communication]] = defaultdict(list)
    async with ctx.db() as session:
        items = await session.scalars(
            select(Communication)
            .where(
                Communication.entity_type == entity,
                Communication.entity_id.in_([row.id for row in rows]),
            )
            .order_by(Communication.sort, Communication.id)
        )
        for item in items:
            found[item.entity_id].append(item)
    return found


async def _custom(
    ctx: RequestContext, entity: CrmEntity, columns: Sequence[Column], rows: Sequence[Any]
) -> dict[int, dict[int, list[Stored]]]:
    field_ids = [column.custom.id for column in columns if column.custom is not None]
    if not rows or not field_ids:
        return {}
    found: dict[int, dict[int, list[Stored]]] = defaultdict(lambda: defaultdict(list))
    async with ctx.db() as session:
        values = await session.scalars(
            select(CustomValue)
            .where(
                CustomValue.entity == entity,
                CustomValue.field_id.in_(field_ids),
                CustomValue.record_id.in_([row.id for row in rows]),
            )
            .order_by(CustomValue.record_id, CustomValue.field_id, CustomValue.position)
        )
        for value in values:
            found[value.record_id][value.field_id].append(stored_of(value))
    return found
