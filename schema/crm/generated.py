"""GraphQL inputs made from a CRM entity's declaration (``models.crm.entities``): its list
filter (``XFilter``), its order fields (``XOrderField``), its create input (``XInput``) and
its patch (``XPatch``), each field described as the declaration describes it."""

from __future__ import annotations

import enum
import re
import sys
from decimal import Decimal
from typing import Any

import strawberry

from models.crm import CrmEntity
from models.crm.entities import NO_DEFAULT, Field, FieldKind, declaration_of
from resolvers.crm.fields import RECORD_FIELDS
from resolvers.crm.records import CUSTOM, RecordChanges
from resolvers.patch import given_only
from schema.crm.common import CommunicationInput, communications_patch, new_communications
from schema.crm.custom_values import (
    CustomFieldFilter,
    CustomFieldInput,
    custom_inputs,
    custom_patch,
)
from schema.crm.filters import DateTimeFilter, DecimalFilter, IDFilter, IntFilter, StringFilter
from schema.patch import id_or_null, ids_or_missing, nullable, required
from schema.relay import decode_id, decode_optional_id

# The input that tests a field of each kind (a link is tested by the ids it links to).
_FILTER_TYPES: dict[str, type] = {
    "ID": IDFilter,
    "LINKS": IDFilter,
    "TEXT": StringFilter,
    "DECIMAL": DecimalFilter,
    "INT": IntFilter,
    "DATETIME": DateTimeFilter,
    "BOOLEAN": bool,
}


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def record_filter(entity: CrmEntity, type_name: str, module: str, search: str) -> Any:
    """The ``XFilter`` input of the entity's list: and / or / not, a search described by
    ``search``, and one field per filterable declared field. ``module`` is where the type
    is bound to ``type_name``, so its self-references resolve."""
    declaration = declaration_of(entity)
    annotations: dict[str, str] = {
        "and_": f"list[{type_name}] | None",
        "or_": f"list[{type_name}] | None",
        "not_": f"{type_name} | None",
        "search": "str | None",
        "custom": "list[CustomFieldFilter] | None",
    }
    namespace: dict[str, Any] = {
        "and_": strawberry.field(default=None, name="and", description="Every filter holds."),
        "or_": strawberry.field(default=None, name="or", description="Some filter holds."),
        "not_": strawberry.field(default=None, name="not", description="The filter fails."),
        "search": strawberry.field(default=None, description=search),
        "custom": strawberry.field(
            default=None, description="Conditions on custom fields, all of which must hold."
        ),
    }
    known = RECORD_FIELDS[entity].by_name
    for field in declaration.fields:
        if field.input_key not in known:
            continue
        attribute = _snake(field.input_key)
        annotations[attribute] = f"{_FILTER_TYPES[field.kind.value].__name__} | None"
        namespace[attribute] = strawberry.field(default=None, description=field.description)
    namespace["__annotations__"] = annotations
    namespace["__module__"] = module
    # The annotations name the filter inputs: they resolve in ``module``, which imports them.
    for kind in (*_FILTER_TYPES.values(), CustomFieldFilter):
        sys.modules[module].__dict__.setdefault(kind.__name__, kind)
    cls = type(type_name, (), namespace)
    return strawberry.input(cls, description=f"Which {entity.value.lower()}s a list shows.")


def order_field(entity: CrmEntity, type_name: str) -> Any:
    """The ``XOrderField`` enum: the orderable declared fields, by their input keys."""
    declaration = declaration_of(entity)
    members = {
        _snake(field.input_key).upper(): strawberry.enum_value(
            field.input_key, description=field.description
        )
        for field in declaration.fields
        if field.orderable
    }
    values = enum.Enum(type_name, members)  # type: ignore[misc]
    return strawberry.enum(values, description=f"What a {entity.value.lower()} list sorts by.")


# The value a patch gives a field of each kind.
_PATCH_TYPES: dict[FieldKind, Any] = {
    FieldKind.ID: strawberry.ID,
    FieldKind.TEXT: str,
    FieldKind.DECIMAL: Decimal,
    FieldKind.INT: int,
    FieldKind.BOOLEAN: bool,
    FieldKind.LINKS: list[strawberry.ID],
    FieldKind.COMMUNICATIONS: list[CommunicationInput],
}


def _patched_fields(entity: CrmEntity) -> list[Field]:
    return [field for field in declaration_of(entity).fields if field.patchable]


def record_patch(entity: CrmEntity, type_name: str, description: str) -> Any:
    """The ``XPatch`` input of ``updateX``: every patchable declared field, optional."""
    annotations: dict[str, Any] = {}
    namespace: dict[str, Any] = {}
    for field in _patched_fields(entity):
        attribute = _snake(field.change_key)
        annotations[attribute] = _PATCH_TYPES[field.kind] | None
        namespace[attribute] = strawberry.field(
            default=strawberry.UNSET, description=field.description
        )
    annotations["custom_fields"] = list[CustomFieldInput] | None
    namespace["custom_fields"] = strawberry.field(
        default=strawberry.UNSET, description="The custom fields given change; others stay."
    )
    namespace["__annotations__"] = annotations
    return strawberry.input(type(type_name, (), namespace), description=description)


def patch_changes(entity: CrmEntity, patch: Any) -> RecordChanges:
    """The changes a patch asks for, by change key; fields left out are not among them.
    A field whose column is NOT NULL may be left out but not set to null."""
    declaration = declaration_of(entity)
    changes: dict[str, Any] = {CUSTOM: custom_patch(patch.custom_fields)}
    for field in _patched_fields(entity):
        value = getattr(patch, _snake(field.change_key))
        changes[field.change_key] = _patched(field, value, declaration.may_clear(field))
    return given_only(changes)


def _patched(field: Field, value: Any, may_clear: bool) -> Any:
    key, target = field.change_key, field.target or ""
    if field.kind is FieldKind.COMMUNICATIONS:
        return communications_patch(value)
    if field.kind is FieldKind.LINKS:
        return ids_or_missing(value, target, key)
    if may_clear:
        return id_or_null(value, target, key) if field.kind is FieldKind.ID else nullable(value)
    value = required(value, key)
    if field.kind is FieldKind.ID and isinstance(value, str):
        return decode_id(value, target, key)
    return value


def record_input(entity: CrmEntity, type_name: str, description: str) -> Any:
    """The ``XInput`` of ``createX``: every field given at creation, with its default."""
    declaration = declaration_of(entity)
    annotations: dict[str, Any] = {}
    namespace: dict[str, Any] = {}
    for field in declaration.fields:
        if not field.creatable:
            continue
        attribute = _snake(field.change_key)
        default = _create_default(field, declaration.may_clear(field))
        value_type = _PATCH_TYPES[field.kind]
        annotations[attribute] = value_type | None if default is None else value_type
        namespace[attribute] = (
            strawberry.field(description=_created(field))
            if default is NO_DEFAULT
            else strawberry.field(default=default, description=_created(field))
        )
    annotations["custom_fields"] = list[CustomFieldInput] | None
    namespace["custom_fields"] = strawberry.field(
        default=None, description="Custom field values by code; required fields need one."
    )
    namespace["__annotations__"] = annotations
    return strawberry.input(type(type_name, (), namespace), description=description)


def _create_default(field: Field, may_clear: bool) -> Any:
    """The input's default: the declared one; null for references, lists and nullable
    values (the command fills in what the declaration notes); empty for an optional text;
    ``NO_DEFAULT`` (the input requires it) for the rest."""
    if field.create_default is not NO_DEFAULT:
        return field.create_default
    if may_clear or field.kind in (FieldKind.ID, FieldKind.LINKS, FieldKind.COMMUNICATIONS):
        return None
    if field.kind is FieldKind.TEXT and not field.required:
        return ""
    return NO_DEFAULT


def _created(field: Field) -> str:
    note = field.create_default_note
    return field.description if note is None else f"{field.description} Default: {note}."


def create_values(entity: CrmEntity, given: Any) -> dict[str, Any]:
    """A create input's values by attribute (``assigned_to_id``), references decoded: the
    keyword arguments of the entity's ``NewX``."""
    values: dict[str, Any] = {"custom_fields": custom_inputs(given.custom_fields)}
    for field in declaration_of(entity).fields:
        if not field.creatable:
            continue
        attribute = _snake(field.change_key)
        value = getattr(given, attribute)
        key, target = field.change_key, field.target or ""
        if field.kind is FieldKind.COMMUNICATIONS:
            value = new_communications(value)
        elif field.kind is FieldKind.LINKS:
            value = [decode_id(item, target, key) for item in value or []]
        elif field.kind is FieldKind.ID:
            value = decode_optional_id(value, target, key)
        values[attribute] = value
    return values
