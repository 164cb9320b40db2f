"""Group keys that never reveal a hidden field, and the figures reports share.

A report groups rows by dimensions (a deal's stage, its responsible user, the month it was
created...). A dimension read from a field the viewer may not see on some rows puts those
rows in a group of their own, whose key says the dimension is hidden instead of its value.
"""

from __future__ import annotations

import enum
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    ColumnElement,
    FromClause,
    Label,
    Select,
    SQLColumnExpression,
    Subquery,
    and_,
    case,
    func,
    literal,
    null,
    select,
)

from models.crm import CustomFieldKind
from resolvers.errors import BadInput

# Every group is one item of a plain GraphQL list, which holds at most a page.
MAX_GROUPS = 100
# One more than a report may answer, to tell a report with too many groups.
MAX_FETCHED_GROUPS = MAX_GROUPS + 1
CENT = Decimal("0.01")


@dataclass(frozen=True)
class Dimension:
    """A grouping: its name, its SQL value, and where that value is shown (None: always).

    A custom field's dimension (``kind``) reads its values from a table of values, outer
    joined to the counted rows (``join``: the table and the ON clause): a record with
    several values is a row in each of their groups, one without any a row of the null
    group."""

    name: str
    value: SQLColumnExpression[Any]
    shown: ColumnElement[bool] | None = None
    join: tuple[FromClause, ColumnElement[bool]] | None = None
    kind: CustomFieldKind | None = None


@dataclass(frozen=True)
class GroupKey:
    """A group's value in each dimension; a hidden dimension has no value. ``kinds`` names
    the custom field dimensions (by code, in their order) and their kinds."""

    values: Mapping[str, Any]
    hidden: frozenset[str]
    kinds: Mapping[str, CustomFieldKind] = field(default_factory=dict)


@dataclass(frozen=True)
class Durations:
    """Seconds between two moments of the records of a group (a deal's creation and its
    closing, say); records whose moments are hidden are left out and counted."""

    average_seconds: float | None
    median_seconds: float | None
    count: int
    excluded: int


def key_columns(dimensions: Sequence[Dimension]) -> list[Label[Any]]:
    """For each dimension its (masked) value and whether it is hidden, as k<i>, h<i>."""
    columns: list[Label[Any]] = []
    for index, dimension in enumerate(dimensions):
        if dimension.shown is None:
            columns.append(dimension.value.label(f"k{index}"))
            columns.append(literal(0).label(f"h{index}"))
        else:
            columns.append(
                case((dimension.shown, dimension.value), else_=null()).label(f"k{index}")
            )
            columns.append(case((dimension.shown, 0), else_=1).label(f"h{index}"))
    return columns


def joined(statement: Select[Any], dimensions: Sequence[Dimension]) -> Select[Any]:
    """``statement`` (the counted rows) outer joined to the dimensions' tables of values."""
    for dimension in dimensions:
        if dimension.join is not None:
            statement = statement.outerjoin(*dimension.join)
    return statement


def grouped(rows: Subquery, dimensions: Sequence[Dimension]) -> list[ColumnElement[Any]]:
    """The key columns of ``rows`` (built with ``key_columns``), to select and group by."""
    return [rows.c[f"{kind}{index}"] for index in range(len(dimensions)) for kind in "kh"]


def group_key(dimensions: Sequence[Dimension], row: Sequence[Any]) -> GroupKey:
    """The key of a result row whose first columns are ``grouped``'s."""
    values: dict[str, Any] = {}
    hidden: set[str] = set()
    for index, dimension in enumerate(dimensions):
        value, is_hidden = row[2 * index], row[2 * index + 1]
        if is_hidden:
            hidden.add(dimension.name)
        else:
            values[dimension.name] = value
    kinds = {item.name: item.kind for item in dimensions if item.kind is not None}
    return GroupKey(values, frozenset(hidden), kinds)


def raw_key(dimensions: Sequence[Dimension], row: Sequence[Any]) -> tuple[Hashable, ...]:
    return tuple(row[: 2 * len(dimensions)])


def medians_of(column: ColumnElement[Any], keys: Sequence[ColumnElement[Any]]) -> Select[Any]:
    """The median of ``column`` (NULLs left out) per group of ``keys``: the middle value,
    or the mean of the two middle ones, found by window functions (both backends have them;
    SQLite has no median)."""
    partition = keys or None
    ranked = (
        select(
            *keys,
            column.label("measured"),
            func.row_number().over(partition_by=partition, order_by=column).label("rank"),
            func.count().over(partition_by=partition).label("size"),
        )
        .where(column.is_not(None))
        .subquery("ranked")
    )
    ranked_keys = [ranked.c[str(key.key)] for key in keys]
    middle = and_(2 * ranked.c.rank >= ranked.c.size, 2 * ranked.c.rank <= ranked.c.size + 2)
    # Grouping by the size too changes no group (it is the same on every row of a group),
    # but makes a GROUP BY even without keys: an aggregate without one answers a row of
    # NULL when nothing is measured, where a group with no measure must have no median row.
    return (
        select(*ranked_keys, func.avg(ranked.c.measured))
        .where(middle)
        .group_by(*ranked_keys, ranked.c.size)
    )


def check_group_count(count: int, field: str = "groupBy") -> None:
    if count > MAX_GROUPS:
        raise BadInput(
            f"More than {MAX_GROUPS} groups: group by fewer dimensions, a longer period "
            "or a narrower filter",
            field=field,
        )


def sort_key(key: GroupKey, names: Sequence[str]) -> tuple[Any, ...]:
    """Groups in the order of their values (hidden and empty values last), the same on
    every backend."""
    parts: list[Any] = []
    for name in names:
        value = key.values.get(name)
        if isinstance(value, enum.Enum):
            value = value.value
        parts.append((name in key.hidden, value is None, value))
    return tuple(parts)


def money(value: Any) -> Decimal:
    """A sum or average of amounts, to the cent (SQLite computes in floats)."""
    return Decimal(str(value)).quantize(CENT)


def ratio(part: int, whole: int) -> float | None:
    return None if whole == 0 else part / whole
