"""GraphQL inputs made from a CRM entity's declaration (``models.crm.entities``): its list
filter (``XFilter``) and its order fields (``XOrderField``), each field described as the
declaration describes it."""

from __future__ import annotations

import enum
import re
import sys
from typing import Any

import strawberry

from models.crm import CrmEntity
from resolvers.crm.fields import RECORD_FIELDS
from schema.crm.custom_values import CustomFieldFilter
from schema.crm.filters import DateTimeFilter, DecimalFilter, IDFilter, IntFilter, StringFilter

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
    from models.crm.entities import declaration_of

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
    from models.crm.entities import declaration_of

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
