"""A file row's cells as the values of a create or an update: each cell parsed for the kind
its declaration gives the field, references looked up (by global ID, or by the name the
export shows: a user's e-mail or name, a status's or stage's name, a record's name), custom
values for their kind. A cell that cannot be read is an error of its row, naming the field.

Cells are read as the export writes them: a leading quote the export put before text a
spreadsheet would run as a formula is dropped; several values are joined by ``;``; an empty
cell is no value (the create's default applies, an update leaves the field alone).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from functools import reduce
from typing import Any

from sqlalchemy import ColumnElement, select

from models import User
from models.crm import CrmEntity, CustomFieldKind, DealStage, LeadSource, LeadStatus, Pipeline
from models.crm.entities import Field, FieldKind, declaration_of, type_name_of
from models.global_ids import key_of
from resolvers.context import RequestContext
from resolvers.crm.communications import NewCommunication
from resolvers.crm.custom_checks import TEXTUAL, RawValue
from resolvers.crm.custom_values import CustomInput
from resolvers.crm.visibility import visible
from resolvers.imports.mapping import ColumnUse

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_SPLIT = re.compile(r"\s*;\s*")
_TRUE = frozenset({"true", "yes", "y", "1", "да"})
_FALSE = frozenset({"false", "no", "n", "0", "нет"})
_DICTIONARIES: dict[str, type[Any]] = {
    "LeadStatus": LeadStatus,
    "LeadSource": LeadSource,
    "Pipeline": Pipeline,
    "DealStage": DealStage,
}
_RECORD_TYPES = {type_name_of(entity): entity for entity in CrmEntity}


class CellError(Exception):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def cell_text(raw: str) -> str:
    """A cell as its value: stripped, without the quote an export puts before formulas."""
    text = raw.strip()
    if text.startswith("'") and text[1:2] and text[1:].startswith(FORMULA_STARTS):
        return text[1:]
    return text


def several(text: str) -> list[str]:
    return [cell_text(item) for item in _SPLIT.split(text) if item.strip()]


@dataclass
class RowValues:
    """A row as the commands take it: the declared fields by their input (change) key, the
    communications, the custom fields; and what could not be read."""

    fields: dict[str, Any] = field(default_factory=dict)
    communications: list[NewCommunication] = field(default_factory=list)
    custom: list[CustomInput] = field(default_factory=list)
    errors: list[CellError] = field(default_factory=list)


@dataclass
class Lookups:
    """References by what a file may name them with, looked up once per job (records by
    name once per distinct name)."""

    ctx: RequestContext
    users: dict[str, int | None] | None = None
    rows: dict[str, list[tuple[int, str, int | None]]] = field(default_factory=dict)
    default_pipeline: int | None = None
    records: dict[tuple[CrmEntity, str], int | str | None] = field(default_factory=dict)

    async def user(self, text: str, name: str) -> int:
        if self.users is None:
            self.users = {}
            async with self.ctx.db() as session:
                found = await session.execute(select(User.id, User.email, User.name))
                for pk, email, full_name in found.tuples():
                    self.users[email.casefold()] = pk
                    key = full_name.casefold()
                    # A name two users share names neither.
                    self.users[key] = None if key in self.users else pk
        given = key_of(text, "User")
        if given is not None:
            return given
        found_pk = self.users.get(text.casefold())
        if found_pk is None:
            raise CellError(name, f"No single user '{text}' (give an e-mail, a name or an ID)")
        return found_pk

    async def dictionary(self, target: str, text: str, name: str, pipeline: int | None) -> int:
        pk = key_of(text, target)
        if pk is not None:
            return pk
        if target not in self.rows:
            model = _DICTIONARIES[target]
            scope = model.pipeline_id if model is DealStage else None
            columns = [model.id, model.name] + ([scope] if scope is not None else [])
            async with self.ctx.db() as session:
                found = (await session.execute(select(*columns))).all()
                if model is DealStage:
                    self.default_pipeline = await session.scalar(
                        select(Pipeline.id).where(Pipeline.is_default)
                    )
            self.rows[target] = [
                (row[0], row[1], row[2] if len(row) > 2 else None) for row in found
            ]
        matches = [row for row in self.rows[target] if row[1].casefold() == text.casefold()]
        if len(matches) > 1:
            scope = pipeline if pipeline is not None else self.default_pipeline
            matches = [row for row in matches if row[2] == scope]
        if len(matches) != 1:
            raise CellError(name, f"No single {target} named '{text}'")
        return matches[0][0]

    async def record(self, target: str, text: str, name: str) -> int:
        entity = _RECORD_TYPES[target]
        pk = key_of(text, target)
        if pk is not None:
            return pk
        key = (entity, text.casefold())
        if key not in self.records:
            declaration = declaration_of(entity)
            parts: list[ColumnElement[Any]] = [
                getattr(declaration.model, declaration.field(part).attribute or "")
                for part in declaration.name_fields
            ]
            full = reduce(lambda left, right: left + " " + right, parts)
            async with self.ctx.db() as session:
                ids = list(
                    await session.scalars(
                        visible(self.ctx, entity)
                        .where(full == text)
                        .with_only_columns(declaration.model.id)
                        .limit(2)
                    )
                )
            self.records[key] = ids[0] if len(ids) == 1 else ("many" if ids else None)
        found = self.records[key]
        if found is None:
            raise CellError(name, f"No {target.lower()} named '{text}' that you may read")
        if isinstance(found, str):
            raise CellError(
                name, f"Several {target.lower()} records are named '{text}': give an ID"
            )
        return found


async def row_values(
    lookups: Lookups, uses: Sequence[ColumnUse], cells: Sequence[str]
) -> RowValues:
    """The values of one row's mapped cells."""
    values = RowValues()
    later: list[tuple[ColumnUse, str]] = []
    for use in uses:
        if use.target is None or use.status != "MAPPED" or use.index >= len(cells):
            continue
        text = cell_text(cells[use.index])
        if not text:
            continue
        target = use.target
        try:
            if target.communication is not None:
                values.communications += [
                    NewCommunication(target.communication, item) for item in several(text)
                ]
            elif target.custom is not None:
                raw = [
                    await _custom_value(lookups, target.custom.kind, item, target.name)
                    for item in (several(text) if target.custom.multiple else [text])
                ]
                values.custom.append(CustomInput(target.custom.code, raw))
            else:
                assert target.field is not None
                if target.field.target == "DealStage":
                    later.append((use, text))  # after the pipeline it belongs to
                    continue
                key = target.field.change_key
                values.fields[key] = await _field_value(lookups, target.field, text, values)
        except CellError as error:
            values.errors.append(error)
    for use, text in later:
        assert use.target is not None and use.target.field is not None
        try:
            key = use.target.field.change_key
            values.fields[key] = await _field_value(lookups, use.target.field, text, values)
        except CellError as error:
            values.errors.append(error)
    return values


async def _field_value(lookups: Lookups, field: Field, text: str, values: RowValues) -> Any:
    name = field.change_key
    kind = field.kind
    if kind is FieldKind.TEXT:
        return text
    if kind is FieldKind.LINKS:
        return [await _reference(lookups, field, item, values) for item in several(text)]
    if kind is FieldKind.ID:
        return await _reference(lookups, field, text, values)
    return _scalar(kind, text, name)


async def _reference(lookups: Lookups, field: Field, text: str, values: RowValues) -> int:
    target, name = field.target or "", field.change_key
    if target == "User":
        return await lookups.user(text, name)
    if target in _DICTIONARIES:
        pipeline = values.fields.get("pipelineId")
        return await lookups.dictionary(target, text, name, pipeline)
    return await lookups.record(target, text, name)


def _scalar(kind: FieldKind, text: str, name: str) -> Any:
    try:
        if kind is FieldKind.DECIMAL:
            number = Decimal(text.replace(" ", "").replace(",", "."))
            if not number.is_finite():
                raise ValueError(text)
            return number
        if kind is FieldKind.INT:
            return int(text)
        if kind is FieldKind.BOOLEAN:
            return _boolean(text)
        if kind is FieldKind.DATE:
            return date.fromisoformat(text)
        if kind is FieldKind.DATETIME:
            return _moment(text)
    except (ValueError, InvalidOperation) as error:
        raise CellError(name, f"'{text}' is not a {kind.value.lower()} value") from error
    return text


def _boolean(text: str) -> bool:
    folded = text.casefold()
    if folded in _TRUE:
        return True
    if folded in _FALSE:
        return False
    raise ValueError(text)


def _moment(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


async def _custom_value(lookups: Lookups, kind: CustomFieldKind, text: str, name: str) -> RawValue:
    try:
        if kind in TEXTUAL:
            return RawValue(string=text)
        if kind is CustomFieldKind.INTEGER:
            return RawValue(integer=int(text))
        if kind is CustomFieldKind.DECIMAL:
            return RawValue(decimal=_scalar(FieldKind.DECIMAL, text, name))
        if kind is CustomFieldKind.MONEY:
            amount, _, currency = text.rpartition(" ")
            if not amount:
                amount, currency = text, ""
            return RawValue(
                decimal=_scalar(FieldKind.DECIMAL, amount, name), currency=currency or None
            )
        if kind is CustomFieldKind.BOOLEAN:
            return RawValue(boolean=_boolean(text))
        if kind is CustomFieldKind.DATE:
            return RawValue(date=date.fromisoformat(text))
        if kind is CustomFieldKind.DATETIME:
            return RawValue(datetime=_moment(text))
        if kind is CustomFieldKind.USER:
            return RawValue(user_id=await lookups.user(text, name))
        for type_name in _RECORD_TYPES:
            pk = key_of(text, type_name)
            if pk is not None:
                return RawValue(record=(type_name, pk))
        raise ValueError(text)
    except (ValueError, InvalidOperation) as error:
        raise CellError(name, f"'{text}' is not a {kind.value.lower()} value") from error
