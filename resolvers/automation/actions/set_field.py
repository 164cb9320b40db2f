"""SET_FIELD: give a plain field of the record a value (a text may be filled from the
record's fields), through the entity's update command: field rules, guards, the timeline and
the event apply as to the owner's own change, and the change may trigger other rules (to the
depth limit)."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from models.crm import CrmEntity
from models.crm.entities import FieldKind, declaration_of
from resolvers.automation.actions.base import (
    Action,
    Run,
    fill,
    hooks_of,
    record_of,
    template,
)
from resolvers.crm.records import checked_value, update_record
from resolvers.errors import BadInput

SETTABLE = (FieldKind.TEXT, FieldKind.INT, FieldKind.DECIMAL, FieldKind.BOOLEAN)


def _settable(entity: CrmEntity) -> dict[str, Any]:
    return {
        field.change_key: field
        for field in declaration_of(entity).fields
        if field.kind in SETTABLE and field.patchable
    }


async def check(
    session: AsyncSession, entity: CrmEntity, options: Mapping[str, Any], path: str
) -> dict[str, Any]:
    settable = _settable(entity)
    name = options.get("field")
    field = settable.get(name) if isinstance(name, str) else None
    if field is None:
        raise BadInput(
            f"'{name}' is not a field a rule sets on {entity.value.lower()}s; one of "
            f"{', '.join(sorted(settable))}",
            field=f"{path}.field",
        )
    value = options.get("value")
    if field.kind is FieldKind.TEXT:
        value = template(entity, value, f"{path}.value", field.max_length or 0, field.required)
    else:
        value = _typed(field.kind, value, f"{path}.value")
        try:
            checked_value(field, value)
        except BadInput as error:
            raise BadInput(str(error), field=f"{path}.value") from None
    return {"field": field.change_key, "value": str(value) if isinstance(value, Decimal) else value}


def _typed(kind: FieldKind, value: Any, path: str) -> Any:
    if kind is FieldKind.BOOLEAN and isinstance(value, bool):
        return value
    if kind is FieldKind.INT and isinstance(value, int) and not isinstance(value, bool):
        return value
    if kind is FieldKind.DECIMAL and isinstance(value, str | int) and not isinstance(value, bool):
        try:
            number = Decimal(value)
        except InvalidOperation:
            raise BadInput("A decimal number, as a string", field=path) from None
        if number.is_finite():
            return number
    if value is None:
        return None
    raise BadInput(f"A value of kind {kind.value}", field=path)


async def run(run: Run, options: Mapping[str, Any]) -> None:
    field = _settable(run.entity)[options["field"]]
    value = options["value"]
    if field.kind is FieldKind.TEXT:
        async with run.ctx.db() as session:
            value = await fill(run, session, await record_of(run, session), value)
        value = value[: field.max_length] if field.max_length else value
    elif field.kind is FieldKind.DECIMAL and value is not None:
        value = Decimal(value)
    await update_record(
        run.ctx, run.entity, run.record_id, {field.change_key: value}, hooks_of(run.entity)
    )


ACTION = Action(check=check, run=run)
