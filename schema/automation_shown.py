"""A rule's stored trigger options, condition and actions, shown as a client would write
them: database keys as global IDs, the condition in the shape of the entity's filter input."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from strawberry.utils.str_converters import to_camel_case

from models.crm import CrmEntity
from models.crm.entities import FieldKind
from resolvers.automation.conditions import from_json
from resolvers.crm.fields import RECORD_FIELDS
from resolvers.crm.filtering import Condition, Fields, Filter
from schema.relay import encode_id

# Options that name a row, and the type of its global ID.
# The options that name a record by id, and its GraphQL type: given and shown as global IDs.
ACTION_ID_OPTIONS = {
    "departmentId": "Department",
    "responsibleId": "User",
    "userId": "User",
    "webhookId": "Webhook",
    "templateId": "MailTemplate",
}
_ID_OPTIONS = {"stageId": "DealStage", **ACTION_ID_OPTIONS}
_OPERATORS = ("eq", "in_", "gt", "gte", "lt", "lte", "contains", "starts_with", "is_null")


def shown_options(options: dict[str, Any]) -> dict[str, Any]:
    return {
        key: encode_id(_ID_OPTIONS[key], value)
        if key in _ID_OPTIONS and isinstance(value, int)
        else value
        for key, value in options.items()
        if value is not None
    }


def shown_condition(entity: CrmEntity, stored: dict[str, Any] | None) -> dict[str, Any] | None:
    if stored is None:
        return None
    return {entity.value.lower(): _filter(from_json(stored), RECORD_FIELDS[entity])}


def shown_filter(entity: CrmEntity, stored: dict[str, Any]) -> dict[str, Any]:
    """A stored filter in the shape of the entity's ``XFilter`` input."""
    return _filter(from_json(stored), RECORD_FIELDS[entity])


def _filter(filter: Filter, fields: Fields) -> dict[str, Any]:
    shown: dict[str, Any] = {
        name: _condition(condition, fields, name)
        for name, condition in filter.conditions.items()
        if name in fields.by_name
    }
    # Custom fields are named by their codes, under `custom`, operands as text.
    custom = [
        {"field": name, **_condition(condition, fields, name)}
        for name, condition in filter.conditions.items()
        if name not in fields.by_name
    ]
    if custom:
        shown["custom"] = custom
    if filter.search is not None:
        shown["search"] = filter.search
    if filter.all_of:
        shown["and"] = [_filter(sub, fields) for sub in filter.all_of]
    if filter.any_of:
        shown["or"] = [_filter(sub, fields) for sub in filter.any_of]
    if filter.negated is not None:
        shown["not"] = _filter(filter.negated, fields)
    return shown


def _condition(condition: Condition, fields: Fields, name: str) -> Any:
    spec = fields.by_name.get(name)
    if spec is not None and spec.kind is FieldKind.BOOLEAN:
        return condition.eq
    node_type = spec.node_type if spec is not None and spec.kind is FieldKind.ID else None
    return {
        to_camel_case(op.rstrip("_")): _value(getattr(condition, op), node_type)
        for op in _OPERATORS
        if getattr(condition, op) is not None
    }


def _value(value: Any, node_type: str | None) -> Any:
    if isinstance(value, list | tuple):
        return [_value(item, node_type) for item in value]
    if node_type is not None and isinstance(value, int) and not isinstance(value, bool):
        return encode_id(node_type, value)
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    return value
