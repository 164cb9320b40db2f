"""A rule's condition: the entity's list filter (the same one ``deals(filter: …)`` takes),
kept as JSON and evaluated in SQL together with the owner's READ filter, so that a rule
acts only on records its owner may see and that match.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models.crm import CrmEntity
from models.crm.entities import declaration_of
from resolvers.context import RequestContext
from resolvers.crm.common import refuse_hidden_fields
from resolvers.crm.fields import RECORD_FIELDS
from resolvers.crm.filtering import Condition, Filter, where

_OPERATORS = [item.name for item in dataclasses.fields(Condition)]


def checked(entity: CrmEntity, filter: Filter, path: str) -> dict[str, Any]:
    """The filter as stored, after compiling it once: a field it cannot filter on or an
    operand out of range is refused now (BadInput naming it), not at every event."""
    where(RECORD_FIELDS[entity], filter, path)
    return to_json(filter)


def to_json(filter: Filter) -> dict[str, Any]:
    stored: dict[str, Any] = {
        "conditions": {
            name: {
                op: _value(getattr(condition, op))
                for op in _OPERATORS
                if getattr(condition, op) is not None
            }
            for name, condition in filter.conditions.items()
        }
    }
    if filter.search is not None:
        stored["search"] = filter.search
    if filter.all_of:
        stored["and"] = [to_json(sub) for sub in filter.all_of]
    if filter.any_of:
        stored["or"] = [to_json(sub) for sub in filter.any_of]
    if filter.negated is not None:
        stored["not"] = to_json(filter.negated)
    return stored


def from_json(stored: dict[str, Any]) -> Filter:
    return Filter(
        conditions={
            name: Condition(**{op: _parsed(value) for op, value in operands.items()})
            for name, operands in stored.get("conditions", {}).items()
        },
        search=stored.get("search"),
        all_of=[from_json(sub) for sub in stored.get("and", [])],
        any_of=[from_json(sub) for sub in stored.get("or", [])],
        negated=from_json(stored["not"]) if "not" in stored else None,
    )


async def matches(
    ctx: RequestContext,
    session: AsyncSession,
    entity: CrmEntity,
    record_id: int,
    stored: dict[str, Any] | None,
) -> bool:
    """Whether the record, as it is now, is readable by the context's viewer and matches;
    FORBIDDEN for a condition on a field hidden from them, as their own list would say."""
    policy = ctx.require_policy()
    model = declaration_of(entity).model
    statement = select(model.id).where(model.id == record_id, policy.read_filter(entity))
    if stored is not None:
        filter = from_json(stored)
        refuse_hidden_fields(ctx, RECORD_FIELDS[entity], filter)
        statement = statement.where(
            where(RECORD_FIELDS[entity], filter, readable=policy.read_filter)
        )
    return await session.scalar(statement) is not None


# Operand values: JSON has no decimals or times; they are tagged.


def _value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return {"decimal": str(value)}
    if isinstance(value, datetime):
        return {"datetime": value.isoformat()}
    if isinstance(value, list | tuple):
        return [_value(item) for item in value]
    return value


def _parsed(value: Any) -> Any:
    if isinstance(value, dict) and "decimal" in value:
        return Decimal(value["decimal"])
    if isinstance(value, dict) and "datetime" in value:
        return datetime.fromisoformat(value["datetime"])
    if isinstance(value, list):
        return [_parsed(item) for item in value]
    return value
