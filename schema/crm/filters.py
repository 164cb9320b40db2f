"""Typed filter inputs shared by every CRM list, and their conversion to resolver filters.

Each entity's ``XFilter`` input is a Strawberry input whose field names are the keys of the
entity's ``Fields`` map in ``resolvers/crm/fields.py``; ``to_filter`` walks it generically.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

import strawberry
from strawberry.utils.str_converters import to_camel_case

from models.crm import CrmEntity
from resolvers.crm import saved_views
from resolvers.crm.fields import RECORD_FIELDS
from resolvers.crm.filtering import MAX_DEPTH, MAX_LIST, Condition, Fields, FieldSpec, Filter
from resolvers.crm.saved_views import AppliedView
from resolvers.errors import BadInput
from resolvers.validation import moment
from schema.context import Info
from schema.crm.custom_values import custom_conditions
from schema.relay import OrderDirection, decode_id, decode_optional_id

# The Python names of the boolean operators (GraphQL "and", "or", "not").
_OPERATORS = {"and_", "or_", "not_", "search", "custom"}


@strawberry.input(description="Conditions on an ID; all given must hold.")
class IDFilter:
    eq: strawberry.ID | None = None
    in_: list[strawberry.ID] | None = strawberry.field(default=None, name="in")
    is_null: bool | None = None

    def condition(self, spec: FieldSpec, path: str) -> Condition:
        assert spec.node_type is not None

        def pk(global_id: str) -> int:
            return decode_id(global_id, spec.node_type or "", path)

        return Condition(
            eq=None if self.eq is None else pk(self.eq),
            in_=None if self.in_ is None else [pk(item) for item in self.in_],
            is_null=self.is_null,
        )


@strawberry.input(description="Text conditions; `contains` and `startsWith` ignore case.")
class StringFilter:
    eq: str | None = None
    in_: list[str] | None = strawberry.field(default=None, name="in")
    contains: str | None = None
    starts_with: str | None = None

    def condition(self, spec: FieldSpec, path: str) -> Condition:
        return Condition(
            eq=self.eq, in_=self.in_, contains=self.contains, starts_with=self.starts_with
        )


@strawberry.input(description='Conditions on a decimal number (a string like "1250.00").')
class DecimalFilter:
    eq: Decimal | None = None
    in_: list[Decimal] | None = strawberry.field(default=None, name="in")
    gt: Decimal | None = None
    gte: Decimal | None = None
    lt: Decimal | None = None
    lte: Decimal | None = None
    is_null: bool | None = None

    def condition(self, spec: FieldSpec, path: str) -> Condition:
        values = [self.eq, self.gt, self.gte, self.lt, self.lte, *(self.in_ or [])]
        if any(value is not None and not value.is_finite() for value in values):
            raise BadInput("Decimal filters take finite numbers", field=path)
        return Condition(
            eq=self.eq,
            in_=self.in_,
            gt=self.gt,
            gte=self.gte,
            lt=self.lt,
            lte=self.lte,
            is_null=self.is_null,
        )


@strawberry.input(description="Conditions on an integer.")
class IntFilter:
    eq: int | None = None
    in_: list[int] | None = strawberry.field(default=None, name="in")
    gt: int | None = None
    gte: int | None = None
    lt: int | None = None
    lte: int | None = None
    is_null: bool | None = None

    def condition(self, spec: FieldSpec, path: str) -> Condition:
        return Condition(
            eq=self.eq,
            in_=self.in_,
            gt=self.gt,
            gte=self.gte,
            lt=self.lt,
            lte=self.lte,
            is_null=self.is_null,
        )


@strawberry.input(description="A time range; times need a zone (ISO 8601).")
class DateTimeFilter:
    gt: datetime | None = None
    gte: datetime | None = None
    lt: datetime | None = None
    lte: datetime | None = None
    is_null: bool | None = None

    def condition(self, spec: FieldSpec, path: str) -> Condition:
        return Condition(
            gt=aware(self.gt, path),
            gte=aware(self.gte, path),
            lt=aware(self.lt, path),
            lte=aware(self.lte, path),
            is_null=self.is_null,
        )


def aware(value: datetime | None, field: str) -> datetime | None:
    """``value`` in UTC; BadInput without a zone or beyond years 1-9999 in UTC."""
    return None if value is None else moment(value, field)


def to_filter(value: Any, fields: Fields, path: str = "filter", depth: int = 0) -> Filter:
    """A resolver Filter from an entity's filter input (None: no filter)."""
    if value is None:
        return Filter()
    if depth > MAX_DEPTH:
        raise BadInput(f"Filters nest at most {MAX_DEPTH} levels deep", field=path)
    conditions: dict[str, Condition] = {}
    for item in dataclasses.fields(value):
        given = getattr(value, item.name)
        if given is None or given is strawberry.UNSET or item.name in _OPERATORS:
            continue
        name = to_camel_case(item.name)
        spec = fields.by_name[name]
        field_path = f"{path}.{name}"
        conditions[name] = (
            Condition(eq=given) if isinstance(given, bool) else given.condition(spec, field_path)
        )
    conditions |= custom_conditions(getattr(value, "custom", None), path)
    return Filter(
        conditions=conditions,
        search=value.search,
        all_of=_nested(value.and_, fields, f"{path}.and", depth),
        any_of=_nested(value.or_, fields, f"{path}.or", depth),
        negated=None
        if value.not_ is None
        else to_filter(value.not_, fields, f"{path}.not", depth + 1),
    )


def _nested(values: Sequence[Any] | None, fields: Fields, path: str, depth: int) -> list[Filter]:
    if values is not None and len(values) > MAX_LIST:
        raise BadInput(f"At most {MAX_LIST} items", field=path)
    return [
        to_filter(item, fields, f"{path}.{i}", depth + 1) for i, item in enumerate(values or [])
    ]


def to_order(order_by: Sequence[Any] | None) -> list[tuple[str, bool]]:
    """(field, descending) pairs from a list of ``XOrder`` inputs; each names a built-in
    ``field`` or a ``custom`` field's code."""
    pairs = []
    for order in order_by or []:
        custom = getattr(order, "custom", None)
        if (order.field is None) == (custom is None):
            raise BadInput("Give either 'field' or 'custom'", field="orderBy")
        name = custom if custom is not None else order.field.value
        pairs.append((name, order.direction is OrderDirection.DESC))
    return pairs


VIEW_HELP = (
    "A saved view of this entity (`savedViews`): its filter and search AND `filter`; "
    "`orderBy`, when given, replaces its order. Applied under your own rights."
)
ViewArg = Annotated[strawberry.ID | None, strawberry.argument(description=VIEW_HELP)]


async def with_view(
    info: Info, entity: CrmEntity, filter: Any, order_by: Sequence[Any] | None, view: str | None
) -> AppliedView:
    """The list's filter and order with the saved view ``view`` (a global ID) applied."""
    return await saved_views.apply_view(
        info.context,
        entity,
        decode_optional_id(view, "SavedView", "view"),
        to_filter(filter, RECORD_FIELDS[entity]),
        to_order(order_by),
    )
