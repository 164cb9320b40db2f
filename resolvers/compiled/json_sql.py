"""JSON built in SQL, in PostgreSQL's and SQLite's words.

Every value is written to equal what the resolver path's scalars print: Relay IDs as
``models.global_ids`` spells them, decimals with their column's scale, booleans as JSON
booleans. A nested object or list is JSON already: SQLite needs ``json()`` around it, or it
would be embedded as a string.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Numeric,
    String,
    Text,
    case,
    cast,
    func,
    literal,
    literal_column,
    null,
    select,
    true,
)
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.sql.elements import ColumnClause
from sqlalchemy.sql.selectable import FromClause, Join

from models.global_ids import global_id
from resolvers.compiled.selection import NotCompiled

# SQLite has no base64: Relay IDs and cursors come from these functions, registered on every
# connection.
SQLITE_GLOBAL_ID_FUNCTION = "crmhub_global_id"
SQLITE_BASE64URL_FUNCTION = "crmhub_base64url"


def sqlite_global_id(type_name: str, pk: int | None) -> str | None:
    return None if pk is None else global_id(type_name, pk)


def sqlite_base64url(text: str | None) -> str | None:
    return None if text is None else base64.urlsafe_b64encode(text.encode()).decode()


@dataclass(frozen=True)
class JsonValue:
    """A value of the JSON being built: ``nested`` when the SQL yields JSON text itself."""

    sql: ColumnElement[Any]
    nested: bool = False


@dataclass(frozen=True)
class JsonSql:
    dialect: str

    @property
    def postgres(self) -> bool:
        return self.dialect == "postgresql"

    def text(self, value: JsonValue) -> ColumnElement[Any]:
        """The statement's answer: JSON text, which the driver passes on as it is (asyncpg
        would decode a ``json`` value)."""
        return cast(value.sql, Text()) if self.postgres else value.sql

    def _embedded(self, value: JsonValue) -> ColumnElement[Any]:
        if value.nested and not self.postgres:
            return func.json(value.sql)
        return value.sql

    def object_of(self, pairs: Sequence[tuple[str, JsonValue]]) -> JsonValue:
        arguments: list[ColumnElement[Any]] = []
        for key, value in pairs:
            # Keys are GraphQL response keys (names: letters, digits, '_'), safe to inline, so
            # that the statement's text depends on the selection alone.
            arguments.extend((literal_column(f"'{key}'"), self._embedded(value)))
        builder = func.json_build_object if self.postgres else func.json_object
        return JsonValue(builder(*arguments), nested=True)

    def array_of(
        self,
        element: JsonValue,
        source: FromClause,
        where: ColumnElement[bool],
        order: Sequence[ColumnElement[Any]],
        limit: int | None = None,
    ) -> JsonValue:
        """The ``element`` of the first ``limit`` rows of ``source`` where ``where``, in
        ``order``: ``[]`` for none. The rows are chosen in an ordered subquery; PostgreSQL
        then orders inside the aggregate by their position, SQLite (before 3.44, without
        ordered aggregates) keeps the subquery's order."""
        # A subquery in FROM does not correlate by itself: name what is its own.
        own = [source.left, source.right] if isinstance(source, Join) else [source]
        # A JSON value loses its JSON-ness through a subquery's column (SQLite): ``json()``
        # again where the rows are aggregated, once.
        position = func.row_number().over(order_by=list(order)).label("element_position")
        rows = (
            select(element.sql.label("element"), position)
            .select_from(source)
            .where(where)
            .order_by(*order)
            .limit(limit)
            .correlate_except(*own)
            .subquery()
        )
        if self.postgres:
            aggregated = func.json_agg(aggregate_order_by(rows.c.element, rows.c.element_position))
            listed = select(func.coalesce(aggregated, literal_column("'[]'::json")))
        else:
            elements = func.json_group_array(func.json(rows.c.element))
            listed = select(func.coalesce(elements, "[]"))
        return JsonValue(listed.scalar_subquery(), nested=True)

    def first_row(
        self, value: JsonValue, source: FromClause, where: ColumnElement[bool]
    ) -> JsonValue:
        """``value`` of the one row of ``source`` where ``where``, or null."""
        return JsonValue(
            select(value.sql).select_from(source).where(where).scalar_subquery(), nested=True
        )

    def relay_id(self, type_name: str, pk: ColumnElement[int]) -> JsonValue:
        if not self.postgres:
            return JsonValue(getattr(func, SQLITE_GLOBAL_ID_FUNCTION)(type_name, pk))
        text = literal(f"{type_name}:", String) + cast(pk, Text())
        encoded = func.encode(func.convert_to(text, "UTF8"), "base64")
        return JsonValue(func.rtrim(func.translate(encoded, "+/\n", "-_"), "="))

    def decimal(self, column: ColumnElement[Any]) -> JsonValue:
        stored = getattr(column.type, "impl", column.type)  # a TypeDecorator's own type
        scale = stored.scale if isinstance(stored, Numeric) else None
        if self.postgres:
            return JsonValue(cast(column, Text()))
        if scale is None:
            raise NotCompiled("a decimal column without a scale")
        shown = func.printf(f"%.{scale}f", column)
        return JsonValue(case((column.is_(None), null()), else_=shown))

    def timestamp(self, column: ColumnElement[Any]) -> JsonValue:
        """A UTC timestamp as ``datetime.isoformat`` writes it: microseconds only when
        there are some, and ``+00:00``."""
        return JsonValue(case((column.is_(None), null()), else_=self.timestamp_text(column)))

    def timestamp_text(self, column: ColumnElement[Any]) -> ColumnElement[Any]:
        seconds: ColumnElement[str]
        micros: ColumnElement[str]
        if self.postgres:
            utc = func.timezone("UTC", column)
            seconds = func.to_char(utc, 'YYYY-MM-DD"T"HH24:MI:SS', type_=String)
            micros = func.to_char(utc, "US", type_=String)
        else:
            # SQLAlchemy stores "YYYY-MM-DD HH:MM:SS.ffffff" in UTC; the database's own
            # CURRENT_TIMESTAMP defaults have no fraction.
            day, time = func.substr(column, 1, 10, type_=String), func.substr(column, 12, 8)
            seconds = day + "T" + time
            micros = func.substr(func.substr(column, 21, type_=String) + "000000", 1, 6)
        fraction = case((micros == "000000", ""), else_="." + micros)
        return seconds + fraction + "+00:00"

    def cursor(self, values: Sequence[ColumnElement[Any]]) -> JsonValue:
        """A row's pagination cursor (``resolvers.cursors.encode_cursor``): base64url of the
        JSON list of its sort keys' values, written as orjson writes them."""
        items = [self._cursor_item(value) for value in values]
        listed: ColumnElement[Any] = literal("[", String)
        for index, item in enumerate(items):
            listed = (listed + "," + item) if index else (listed + item)
        listed = listed + "]"
        if not self.postgres:
            return JsonValue(getattr(func, SQLITE_BASE64URL_FUNCTION)(listed, type_=String))
        encoded = func.encode(func.convert_to(listed, "UTF8"), "base64", type_=String)
        return JsonValue(func.translate(encoded, "+/\n", "-_", type_=String))

    def _cursor_item(self, value: ColumnElement[Any]) -> ColumnElement[Any]:
        try:
            kind = value.type.python_type
        except NotImplementedError as error:
            raise NotCompiled("a sort key of a type without a Python type") from error
        if kind is datetime:
            return '"' + self.timestamp_text(value) + '"'
        if kind is Decimal:
            return '"' + self.decimal(value).sql + '"'
        if kind is int:
            return cast(value, Text())
        if kind is str:
            quoted = func.to_json(value) if self.postgres else func.json_quote(value)
            return cast(quoted, Text())
        raise NotCompiled(f"no cursor for {kind.__name__} sort keys")

    def boolean(self, column: ColumnElement[Any]) -> JsonValue:
        if self.postgres:
            return JsonValue(column)
        shown = case((column.is_(None), null()), (column == true(), "true"), else_="false")
        return JsonValue(shown, nested=True)

    def masked(self, value: JsonValue, shown: ColumnElement[bool]) -> JsonValue:
        """``value`` where ``shown`` holds, else null: a field mask."""
        return JsonValue(case((shown, value.sql), else_=null()), value.nested)

    def plain(self, column: ColumnElement[Any] | ColumnClause[Any]) -> JsonValue:
        return JsonValue(column)

    def constant(self, value: str) -> JsonValue:
        return JsonValue(literal(value, String))

    def boolean_constant(self, value: bool) -> JsonValue:
        if self.postgres:
            return JsonValue(literal_column("true" if value else "false"))
        return JsonValue(literal("true" if value else "false", String), nested=True)
