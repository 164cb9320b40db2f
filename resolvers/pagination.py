"""Keyset pagination for every connection: no OFFSET, so page 1,000 costs what page 1 costs.

A page is defined by an ordered list of sort keys ending in the primary key (the stable
tie-break). A cursor carries the sort-key values of its row; the next page is the rows
strictly after it in that order. Sort expressions must not be NULL: wrap nullable columns
in ``coalesce`` before ordering on them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar, cast

from sqlalchemy import (
    ColumnElement,
    Row,
    Select,
    SQLColumnExpression,
    and_,
    false,
    func,
    literal,
    or_,
    select,
    tuple_,
)

from resolvers.context import RequestContext
from resolvers.cursors import decode_cursor, encode_cursor
from resolvers.errors import BadInput

T = TypeVar("T")

MAX_PAGE_SIZE = 100
# Named apart from any table's columns (contacts have a ``position``).
PAGE_POSITION = "page_position_"
DEFAULT_PAGE_SIZE = 20


@dataclass(frozen=True)
class Segments:
    """How to read an order whose first key is a flag (0 where a value is shown, 1 where it
    is not) and whose second is that value, one part at a time, so that the part with values
    walks an index of the values in order instead of computing every matching row's flag and
    value and sorting them all.

    ``shown`` turns the list's statement into its rows with the flag 0, where ``value`` is
    the second key (a joined column: an index can give its order); ``hidden`` into the rows
    with the flag 1, where the second key is the constant ``placeholder``."""

    shown: Callable[[Select[Any]], Select[Any]]
    value: SQLColumnExpression[Any]
    hidden: Callable[[Select[Any]], Select[Any]]
    placeholder: SQLColumnExpression[Any]


@dataclass(frozen=True)
class SortKey:
    expression: SQLColumnExpression[Any]
    descending: bool = False
    # On a first key only: the order is read in parts (see ``Segments``).
    segments: Segments | None = None


@dataclass(frozen=True)
class PageRequest:
    first: int | None = None
    after: str | None = None
    last: int | None = None
    before: str | None = None
    # The largest page asked for: clients get MAX_PAGE_SIZE, exports read larger chunks.
    max_size: int = MAX_PAGE_SIZE

    def validated(self) -> PageRequest:
        if self.first is not None and self.last is not None:
            raise BadInput("Pass either 'first' or 'last', not both", field="first")
        for name in ("first", "last"):
            size = getattr(self, name)
            if size is not None and not 0 <= size <= self.max_size:
                raise BadInput(f"'{name}' must be between 0 and {self.max_size}", field=name)
        return self

    @property
    def backwards(self) -> bool:
        return self.last is not None or (self.before is not None and self.first is None)

    @property
    def size(self) -> int:
        size = self.last if self.backwards else self.first
        return DEFAULT_PAGE_SIZE if size is None else size


@dataclass
class Page(Generic[T]):
    items: list[T]
    cursors: list[str]
    has_next_page: bool
    has_previous_page: bool
    count_total: Callable[[], Awaitable[int]]


def _after(keys: Sequence[SortKey], values: Sequence[Any]) -> ColumnElement[bool]:
    """Rows strictly after ``values`` in the order of ``keys`` (mixed directions allowed).

    When every key runs the same way, one row-value comparison: ``(a, b) < (x, y)``.
    PostgreSQL starts an index scan on ``(a, b)`` at the cursor for it; the expanded OR form
    below is only a filter, and the scan reads every row before the cursor first (a page in
    the middle of 1,000,000 deals read 500,000 index entries).
    """
    directions = {key.descending for key in keys}
    if len(directions) == 1 and all(value is not None for value in values):
        row = tuple_(*(key.expression for key in keys))
        return row < tuple(values) if directions == {True} else row > tuple(values)
    clauses: list[ColumnElement[bool]] = []
    for index, key in enumerate(keys):
        equal_prefix = [keys[i].expression == values[i] for i in range(index)]
        beyond = (
            key.expression < values[index] if key.descending else key.expression > values[index]
        )
        clauses.append(and_(*equal_prefix, beyond))
    return or_(false(), *clauses)


def _reversed(keys: Sequence[SortKey]) -> list[SortKey]:
    return [SortKey(key.expression, not key.descending, key.segments) for key in keys]


def _ordering(keys: Sequence[SortKey]) -> list[ColumnElement[Any]]:
    return [key.expression.desc() if key.descending else key.expression.asc() for key in keys]


def _ordered(statement: Select[Any], keys: Sequence[SortKey]) -> Select[Any]:
    return statement.order_by(*_ordering(keys))


def _paged(
    statement: Select[Any],
    keys: Sequence[SortKey],
    order: Sequence[SortKey],
    values: list[Any] | None,
    size: int,
) -> Select[Any]:
    """The page's rows and one more (to tell whether a next page exists), in ``order``."""
    if values is not None:
        statement = statement.where(_after(order, values))
    return _ordered(statement, order).limit(size + 1)


def numbered_forward_page(
    statement: Select[Any], keys: Sequence[SortKey], request: PageRequest
) -> Select[Any] | None:
    """``fetch_page``'s rows for a forward page, in order, with their position (from 1) as
    the last column, ``PAGE_POSITION``; None for pages it reads otherwise (backwards, or in
    segments). The sort keys' values come before it, named ``page_key``. Errors as
    ``fetch_page``'s."""
    request = request.validated()
    if request.backwards or (keys and keys[0].segments is not None):
        return None
    values = None if request.after is None else decode_cursor(request.after, keys, "after")
    position = func.row_number().over(order_by=_ordering(keys)).label(PAGE_POSITION)
    key_values: list[ColumnElement[Any]] = [
        cast(ColumnElement[Any], key.expression).label(page_key(index))
        for index, key in enumerate(keys)
    ]
    return _paged(statement, keys, keys, values, request.size).add_columns(*key_values, position)


def page_key(index: int) -> str:
    """The name ``numbered_forward_page`` gives the value of the sort key at ``index``."""
    return f"page_key_{index}_"


async def _segmented_rows(
    ctx: RequestContext,
    statement: Select[Any],
    keys: Sequence[SortKey],
    order: Sequence[SortKey],
    cursor: list[Any] | None,
    wanted: int,
) -> list[Row[Any]]:
    """Up to ``wanted`` rows of ``statement`` in ``order``, its first key segmented: each
    part (the flag's values in the order's direction) read by its own statement, from the
    cursor on, until enough rows are found. The rows carry ``keys``' values, as
    ``fetch_page``'s do."""
    segments = keys[0].segments
    assert segments is not None
    flag, value, rest = order[0], order[1], list(order[2:])
    parts = [
        (0, segments.shown(statement), SortKey(segments.value, value.descending)),
        (1, segments.hidden(statement), None),
    ]
    if flag.descending:
        parts.reverse()
    rows: list[Row[Any]] = []
    async with ctx.db() as session:
        for part, part_statement, value_key in parts:
            part_keys = ([value_key] if value_key is not None else []) + rest
            paged = part_statement
            if cursor is not None:
                if part == cursor[0]:
                    after = cursor[1:] if value_key is not None else cursor[2:]
                    paged = paged.where(_after(part_keys, after))
                elif (part < cursor[0]) != flag.descending:
                    continue  # the whole part is before the cursor
            shown_value = segments.value if value_key is not None else segments.placeholder
            paged = paged.add_columns(
                literal(part, cast(ColumnElement[Any], keys[0].expression).type),
                shown_value,
                *(key.expression for key in keys[2:]),
            )
            paged = _ordered(paged, part_keys).limit(wanted - len(rows))
            rows.extend((await session.execute(paged)).all())
            if len(rows) >= wanted:
                break
    return rows


async def fetch_page(
    ctx: RequestContext,
    statement: Select[tuple[T]],
    keys: Sequence[SortKey],
    request: PageRequest,
    counted: Select[tuple[T]] | None = None,
) -> Page[T]:
    """One page of ``statement`` (filters applied, no order) in the order of ``keys``.

    The last key must be unique (the primary key): it makes the order total. ``totalCount``
    counts ``counted`` when given (the same rows, written for a statement that reads them
    all), else ``statement``.
    """
    request = request.validated()
    order = _reversed(keys) if request.backwards else list(keys)
    cursor = request.before if request.backwards else request.after
    cursor_field = "before" if request.backwards else "after"
    values = None if cursor is None else decode_cursor(cursor, keys, cursor_field)
    if keys and keys[0].segments is not None:
        rows = await _segmented_rows(ctx, statement, keys, order, values, request.size + 1)
    else:
        paged = _paged(statement, keys, order, values, request.size).add_columns(
            *(key.expression for key in keys)
        )
        async with ctx.db() as session:
            rows = list((await session.execute(paged)).all())
    has_more = len(rows) > request.size
    rows = rows[: request.size]
    if request.backwards:
        rows.reverse()

    async def count_total() -> int:
        counting = select(func.count()).select_from(
            (statement if counted is None else counted).order_by(None).subquery()
        )
        async with ctx.db() as session:
            return int((await session.execute(counting)).scalar_one())

    return Page(
        items=[row[0] for row in rows],
        cursors=[encode_cursor(row[1:]) for row in rows],
        has_next_page=has_more if not request.backwards else request.before is not None,
        has_previous_page=has_more if request.backwards else request.after is not None,
        count_total=count_total,
    )
