"""Typed list filters and orders, compiled to SQL from each entity's declared fields.

The schema turns GraphQL inputs into these plain dataclasses; ``where`` and ``sort_keys``
turn them into SQL through the entity's ``Fields`` (see ``fields.py``), the one place that
maps GraphQL names to columns.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    Select,
    SQLColumnExpression,
    and_,
    case,
    func,
    literal,
    not_,
    or_,
    select,
    true,
)

from models.crm import CrmEntity
from models.crm.entities import FieldKind
from resolvers.errors import BadInput
from resolvers.pagination import Segments, SortKey

MAX_DEPTH = 5
MAX_LIST = 100
MAX_ORDER_FIELDS = 5
MAX_SEARCH = 200
MAX_TEXT = 1000
MAX_DECIMAL = Decimal("9999999999999999.99")  # NUMERIC(18, 2)
# A finer operand compares the same; PostgreSQL's numeric refuses 1e-999999 outright.
MAX_DECIMAL_PLACES = 20


@dataclass(frozen=True)
class FieldSpec:
    """A filterable GraphQL field: its SQL expression, kind, and (IDs) the type referred to."""

    column: SQLColumnExpression[Any]
    kind: FieldKind
    node_type: str | None = None
    # Orderable fields must be NOT NULL (keyset pagination compares them).
    orderable: bool = False
    # A many-to-many field: ``column`` lives on a link table whose ``through`` column holds
    # the filtered record's id.
    through: SQLColumnExpression[Any] | None = None
    # The field (a field-rule name of the list's entity) whose values this one reveals:
    # filtering or ordering on it is judged by that field's rules. None: no rule hides it.
    rule: str | None = None
    # A link to another entity's records, and that entity's field rule showing the same link
    # from its side (a contact's companyId is also the company's contacts): a filter on the
    # link reveals both ends, so a rule hiding either refuses it.
    other_end: tuple[CrmEntity, str] | None = None
    # A value kept in a table of values (a custom field's): ``through`` names the record and
    # ``scope`` picks the field's rows; ``is_null`` asks whether the record has a row.
    scope: ColumnElement[bool] | None = None
    # Turns each operand (given as text) into the column's type; BadInput naming the path.
    parse: Callable[[Any, str], Any] | None = None
    # A nullable order expression: records without a value sort as NULLs sort in PostgreSQL
    # (after the others ascending), the way hidden values do (see ``sort_keys``).
    order_column: SQLColumnExpression[Any] | None = None
    # With ``order_column``: a fresh alias of the table of values, the join condition of the
    # value ``order_column`` reads, and that value's column in the alias; an order that
    # starts with the field walks the records with a value through it (``Segments``).
    order_join: Callable[[], tuple[Any, ColumnElement[bool], SQLColumnExpression[Any]]] | None = (
        None
    )


# The rows of an entity the viewer may read, as a WHERE clause: what a search that looks
# into related records (a deal's company) may match on.
Readable = Callable[[CrmEntity], ColumnElement[bool]]


def _all_readable(entity: CrmEntity) -> ColumnElement[bool]:
    return true()


@dataclass(frozen=True)
class Fields:
    """Everything a list of one entity can filter, search and order on."""

    by_name: Mapping[str, FieldSpec]
    pk: SQLColumnExpression[Any]
    search: Callable[[str, Readable], ColumnElement[bool]]
    default_order: Sequence[tuple[str, bool]]
    # The CRM entity whose field rules apply, and the fields ``search`` reads, as (entity,
    # field-rule name): its own, and those of related records it looks into.
    entity: CrmEntity | None = None
    searched: frozenset[tuple[CrmEntity, str]] = frozenset()


def filtered_fields(filter: Filter) -> set[str]:
    """Every field name a filter tests, nested filters included."""
    names = set(filter.conditions)
    for nested in (*filter.all_of, *filter.any_of):
        names |= filtered_fields(nested)
    if filter.negated is not None:
        names |= filtered_fields(filter.negated)
    return names


def searches(filter: Filter) -> bool:
    nested = (*filter.all_of, *filter.any_of, *([filter.negated] if filter.negated else []))
    return bool(filter.search and filter.search.strip()) or any(searches(sub) for sub in nested)


@dataclass(frozen=True)
class Condition:
    """Conditions on one field, all of which must hold."""

    eq: Any = None
    in_: Sequence[Any] | None = None
    gt: Any = None
    gte: Any = None
    lt: Any = None
    lte: Any = None
    contains: str | None = None
    starts_with: str | None = None
    is_null: bool | None = None


@dataclass(frozen=True)
class Filter:
    conditions: Mapping[str, Condition] = field(default_factory=dict)
    search: str | None = None
    all_of: Sequence[Filter] = ()
    any_of: Sequence[Filter] = ()
    negated: Filter | None = None


def where(
    fields: Fields,
    filter: Filter,
    path: str = "filter",
    depth: int = 0,
    readable: Readable = _all_readable,
) -> ColumnElement[bool]:
    """The SQL condition of a filter; BadInput names the offending field."""
    if depth > MAX_DEPTH:
        raise BadInput(f"Filters nest at most {MAX_DEPTH} levels deep", field=path)
    clauses: list[ColumnElement[bool]] = []
    for name, condition in filter.conditions.items():
        spec = fields.by_name.get(name)
        if spec is None:
            raise BadInput(f"Cannot filter on '{name}'", field=f"{path}.{name}")
        if spec.scope is not None:
            clauses.extend(_scoped_clauses(fields, spec, condition, f"{path}.{name}"))
            continue
        field_clauses = _field_clauses(spec, condition, f"{path}.{name}")
        if spec.through is not None and field_clauses:
            field_clauses = [fields.pk.in_(select(spec.through).where(*field_clauses))]
        clauses.extend(field_clauses)
    if filter.search is not None:
        term = filter.search.strip()
        if len(term) > MAX_SEARCH or "\x00" in term:
            raise BadInput(
                f"Search at most {MAX_SEARCH} characters, no NUL", field=f"{path}.search"
            )
        if term:
            clauses.append(fields.search(term, readable))
    for key, nested in (("and", filter.all_of), ("or", filter.any_of)):
        _check_size(nested, f"{path}.{key}")
        parts = [
            where(fields, sub, f"{path}.{key}.{i}", depth + 1, readable)
            for i, sub in enumerate(nested)
        ]
        if parts:
            clauses.append(and_(*parts) if key == "and" else or_(*parts))
    if filter.negated is not None:
        clauses.append(not_(where(fields, filter.negated, f"{path}.not", depth + 1, readable)))
    return and_(true(), *clauses)


def _scoped_clauses(
    fields: Fields, spec: FieldSpec, condition: Condition, path: str
) -> list[ColumnElement[bool]]:
    """A value-table field: the record has a value that meets every condition (a field of
    several values: one of them does); ``isNull`` asks whether it has none."""
    assert spec.through is not None and spec.scope is not None
    texts = (condition.contains, condition.starts_with)
    if spec.kind is not FieldKind.TEXT and any(text is not None for text in texts):
        raise BadInput("'contains' and 'startsWith' test text fields only", field=path)
    parse = spec.parse or (lambda operand, _path: operand)
    parsed = Condition(
        eq=None if condition.eq is None else parse(condition.eq, path),
        in_=None if condition.in_ is None else [parse(item, path) for item in condition.in_],
        gt=None if condition.gt is None else parse(condition.gt, path),
        gte=None if condition.gte is None else parse(condition.gte, path),
        lt=None if condition.lt is None else parse(condition.lt, path),
        lte=None if condition.lte is None else parse(condition.lte, path),
        contains=condition.contains,
        starts_with=condition.starts_with,
    )
    clauses: list[ColumnElement[bool]] = []
    tests = _field_clauses(spec, parsed, path)
    if tests:
        clauses.append(fields.pk.in_(select(spec.through).where(spec.scope, *tests)))
    if condition.is_null is not None:
        having = fields.pk.in_(select(spec.through).where(spec.scope))
        clauses.append(not_(having) if condition.is_null else having)
    return clauses


def _check_operands(condition: Condition, path: str) -> None:
    """Operands the database could not take (overflow, NUL) are the client's mistake."""
    operands = [
        condition.eq,
        condition.gt,
        condition.gte,
        condition.lt,
        condition.lte,
        condition.contains,
        condition.starts_with,
        *(condition.in_ or []),
    ]
    for operand in operands:
        if isinstance(operand, str) and ("\x00" in operand or len(operand) > MAX_TEXT):
            raise BadInput(f"Text operands: no NUL, at most {MAX_TEXT} characters", field=path)
        if isinstance(operand, Decimal) and not (
            abs(operand) <= MAX_DECIMAL and _decimal_places(operand) <= MAX_DECIMAL_PLACES
        ):
            raise BadInput(
                f"Numbers in filters stay within ±{MAX_DECIMAL}, "
                f"with at most {MAX_DECIMAL_PLACES} decimals",
                field=path,
            )


def _decimal_places(number: Decimal) -> int:
    exponent = number.as_tuple().exponent
    return -exponent if isinstance(exponent, int) else 0


def _field_clauses(spec: FieldSpec, condition: Condition, path: str) -> list[ColumnElement[bool]]:
    _check_operands(condition, path)
    column = spec.column
    clauses: list[ColumnElement[bool]] = []
    if condition.eq is not None:
        clauses.append(column == condition.eq)
    if condition.in_ is not None:
        _check_size(condition.in_, f"{path}.in")
        clauses.append(column.in_(list(condition.in_)))
    for bound, operator in (
        (condition.gt, column.__gt__),
        (condition.gte, column.__ge__),
        (condition.lt, column.__lt__),
        (condition.lte, column.__le__),
    ):
        if bound is not None:
            clauses.append(operator(bound))
    if condition.contains is not None:
        clauses.append(func.lower(column).contains(condition.contains.lower(), autoescape=True))
    if condition.starts_with is not None:
        clauses.append(
            func.lower(column).startswith(condition.starts_with.lower(), autoescape=True)
        )
    if condition.is_null is not None:
        clauses.append(column.is_(None) if condition.is_null else column.is_not(None))
    return clauses


def _check_size(items: Sequence[Any], path: str) -> None:
    if len(items) > MAX_LIST:
        raise BadInput(f"At most {MAX_LIST} items", field=path)


def sort_keys(
    fields: Fields,
    order: Sequence[tuple[str, bool]],
    masks: Mapping[str, ColumnElement[bool]] | None = None,
) -> list[SortKey]:
    """Sort keys for (field name, descending) pairs, with the primary key as the tie-break.

    ``masks`` names the fields hidden on some rows, with the rows where they are shown
    (``field_masks.order_masks``): such a field sorts as NULL sorts in PostgreSQL, rows where
    it is hidden together after the others (before them, descending), and its hidden values
    never reach the order nor the cursors."""
    if len(order) > MAX_ORDER_FIELDS:
        raise BadInput(f"Order by at most {MAX_ORDER_FIELDS} fields", field="orderBy")
    if len({name for name, _ in order}) != len(order):
        raise BadInput("Each field may appear once in 'orderBy'", field="orderBy")
    keys: list[SortKey] = []
    for name, descending in order or fields.default_order:
        spec = fields.by_name.get(name)
        if spec is None or not spec.orderable:
            raise BadInput(f"Cannot order by '{name}'", field="orderBy")
        if spec.order_column is not None:
            shown: ColumnElement[bool] = cast(ColumnElement[Any], spec.order_column).is_not(None)
            mask = masks.get(name) if masks else None
            if mask is not None:
                shown = and_(mask, shown)
            parts = _masked_keys(spec, shown, descending, spec.order_column)
            if not keys and spec.order_join is not None:
                parts[0] = _segmented(spec, spec.order_join, parts[0], mask)
            keys.extend(parts)
        elif masks and name in masks:
            keys.extend(_masked_keys(spec, masks[name], descending))
        else:
            keys.append(SortKey(spec.column, descending))
    if not any(key.expression is fields.pk for key in keys):
        keys.append(SortKey(fields.pk, keys[-1].descending if keys else False))
    return keys


# What a hidden value sorts as (and its cursors carry), after the flag that puts the rows
# where it is hidden together.
_PLACEHOLDERS: dict[FieldKind, Any] = {
    FieldKind.ID: 0,
    FieldKind.TEXT: "",
    FieldKind.DECIMAL: Decimal(0),
    FieldKind.INT: 0,
    FieldKind.DATETIME: datetime(1970, 1, 1, tzinfo=UTC),
    FieldKind.BOOLEAN: False,
    FieldKind.DATE: date(1970, 1, 1),
}


def _segmented(
    spec: FieldSpec,
    order_join: Callable[[], tuple[Any, ColumnElement[bool], SQLColumnExpression[Any]]],
    flag: SortKey,
    mask: ColumnElement[bool] | None,
) -> SortKey:
    """The flag key of a value-table order, read in parts: the records with a shown value by
    a join to their value (its index walked in order), the others by the flag."""
    target, onclause, value = order_join()

    def shown(statement: Select[Any]) -> Select[Any]:
        joined = statement.join(target, onclause)
        return joined if mask is None else joined.where(mask)

    def hidden(statement: Select[Any]) -> Select[Any]:
        return statement.where(cast(ColumnElement[Any], flag.expression) == 1)

    placeholder = literal(_PLACEHOLDERS[spec.kind], cast(ColumnElement[Any], value).type)
    segments = Segments(shown=shown, value=value, hidden=hidden, placeholder=placeholder)
    return SortKey(flag.expression, flag.descending, segments)


def _masked_keys(
    spec: FieldSpec,
    shown: ColumnElement[bool],
    descending: bool,
    expression: SQLColumnExpression[Any] | None = None,
) -> list[SortKey]:
    column = cast(ColumnElement[Any], spec.column if expression is None else expression)
    hidden = case((shown, 0), else_=1)
    value = case((shown, column), else_=literal(_PLACEHOLDERS[spec.kind], column.type))
    return [SortKey(hidden, descending), SortKey(value, descending)]
