"""The root fields the compiler answers, one statement each: the CRM record lists (their
connection: edges, nodes, ``pageInfo``'s flags, ``totalCount``) and ``node`` on a record.

A list's rows are exactly ``records.list_of``'s: the same filtered statement, sort keys and
cursor condition (``pagination.numbered_forward_page``), numbered in a CTE; the JSON of
every node is built over that CTE. ``node`` reads the record through the READ filter; when
that finds nothing the resolvers answer, with their NOT_FOUND.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.sql.selectable import CTE

from models import BACKGROUND_OPTION
from models.crm import CrmEntity
from models.crm.entities import declaration_of_type, type_name_of
from models.global_ids import key_of
from resolvers.compiled.json_sql import JsonValue
from resolvers.compiled.objects import RECORD_TYPES, TYPENAME, ObjectCompiler
from resolvers.compiled.selection import NotCompiled, Selected
from resolvers.context import RequestContext
from resolvers.crm import records
from resolvers.crm.filtering import Filter
from resolvers.errors import DomainError
from resolvers.pagination import PAGE_POSITION, PageRequest, numbered_forward_page, page_key

# One root field's statement: one row, one column, its JSON text.
RootStatement = Select[Any]

# Statements run only to compare with the resolvers' answer: not the operation's cost.
SHADOW_OPTION = BACKGROUND_OPTION


@dataclass(frozen=True)
class ListArguments:
    entity: CrmEntity
    filter: Filter
    order: list[tuple[str, bool]]
    page: PageRequest


@dataclass(frozen=True)
class ConnectionTypes:
    """The GraphQL names of a list's connection, edge and page-info types."""

    connection: str
    edge: str
    page_info: str


async def list_statement(
    ctx: RequestContext,
    compiler: ObjectCompiler,
    selected: Selected,
    types: ConnectionTypes,
    arguments: ListArguments,
) -> Select[Any]:
    entity = arguments.entity
    try:
        query = await records.query_of(ctx, entity, arguments.filter, arguments.order)
        numbered = numbered_forward_page(query.statement, query.keys, arguments.page)
    except DomainError as error:
        raise NotCompiled(f"the resolvers answer {type(error).__name__}") from error
    if numbered is None:
        raise NotCompiled("a backward or segmented page")
    page = numbered.cte("page")
    size = arguments.page.size
    counted = (query.counted if query.counted is not None else query.statement).order_by(None)
    cursor = compiler.json.cursor([page.c[page_key(index)] for index in range(len(query.keys))])
    parts = _Connection(compiler, page, size, arguments.page.after is not None, counted, cursor)
    value = parts.connection(selected, types, type_name_of(entity))
    return select(compiler.json.text(value))


@dataclass(frozen=True)
class _Connection:
    compiler: ObjectCompiler
    page: CTE
    size: int
    after: bool
    counted: Select[Any]
    # A page row's cursor, over the CTE's sort-key columns.
    cursor: JsonValue

    def connection(self, selected: Selected, types: ConnectionTypes, node_type: str) -> JsonValue:
        json = self.compiler.json
        pairs: list[tuple[str, JsonValue]] = []
        for field in self.compiler.operation.fields_of(selected, types.connection):
            if field.name == TYPENAME:
                pairs.append((field.key, json.constant(types.connection)))
            elif field.name == "edges":
                with self.compiler.listed(self.size):
                    pairs.append((field.key, self.edges(field, types.edge, node_type)))
            elif field.name == "pageInfo":
                pairs.append((field.key, self.page_info(field, types.page_info)))
            elif field.name == "totalCount":
                counting = select(func.count()).select_from(self.counted.subquery())
                pairs.append((field.key, json.plain(counting.scalar_subquery())))
            else:
                raise NotCompiled(f"{types.connection}.{field.name} is not compiled")
        return json.object_of(pairs)

    def edges(self, selected: Selected, edge_type: str, node_type: str) -> JsonValue:
        json = self.compiler.json
        pairs: list[tuple[str, JsonValue]] = []
        for field in self.compiler.operation.fields_of(selected, edge_type):
            if field.name == TYPENAME:
                pairs.append((field.key, json.constant(edge_type)))
            elif field.name == "node":
                pairs.append((field.key, self.compiler.record(node_type, self.page, field)))
            elif field.name == "cursor":
                pairs.append((field.key, self.cursor))
            else:
                raise NotCompiled(f"{edge_type}.{field.name} is not compiled")
        position = self.page.c[PAGE_POSITION]
        on_page: ColumnElement[bool] = position <= self.size
        return json.array_of(json.object_of(pairs), self.page, on_page, [position])

    def page_info(self, selected: Selected, page_info_type: str) -> JsonValue:
        json = self.compiler.json
        rows = select(func.count()).select_from(self.page).scalar_subquery()
        pairs: list[tuple[str, JsonValue]] = []
        for field in self.compiler.operation.fields_of(selected, page_info_type):
            if field.name == TYPENAME:
                pairs.append((field.key, json.constant(page_info_type)))
            elif field.name == "hasNextPage":
                pairs.append((field.key, json.boolean(rows > self.size)))
            elif field.name == "hasPreviousPage":
                pairs.append((field.key, json.boolean_constant(self.after)))
            elif field.name in ("startCursor", "endCursor"):
                pairs.append((field.key, self._end_cursor(last=field.name == "endCursor")))
            else:
                raise NotCompiled(f"{page_info_type}.{field.name} is not compiled")
        return json.object_of(pairs)

    def _end_cursor(self, *, last: bool) -> JsonValue:
        """The cursor of the page's first or last row; null for an empty page."""
        position = self.page.c[PAGE_POSITION]
        order = position.desc() if last else position.asc()
        row = select(self.cursor.sql).where(position <= self.size).order_by(order).limit(1)
        return JsonValue(row.scalar_subquery())


def node_type_of(global_id: str) -> tuple[str, int]:
    """The record type and key a global ID names, if it is a CRM record's."""
    for type_name in RECORD_TYPES:
        pk = key_of(global_id, type_name)
        if pk is not None:
            return type_name, pk
    raise NotCompiled("node of a type the compiler does not read")


def node_statement(compiler: ObjectCompiler, selected: Selected, global_id: str) -> Select[Any]:
    type_name, pk = node_type_of(global_id)
    table = declaration_of_type(type_name).model.__table__.alias()
    value = compiler.record(type_name, table, selected)
    shown = (table.c.id == pk) & compiler.readable(type_name, table)
    return select(compiler.json.text(value)).select_from(table).where(shown)


async def run_statements(
    ctx: RequestContext, statements: list[tuple[str, Select[Any]]], *, shadow: bool = False
) -> dict[str, str]:
    """Each root field's JSON text. NotCompiled when one finds no row (a ``node`` the
    viewer may not read): the resolvers' answer is an error the compiler does not write."""
    options = {SHADOW_OPTION: True} if shadow else {}
    answers: dict[str, str] = {}
    async with ctx.db() as session:
        for key, statement in statements:
            text = (await session.execute(statement, execution_options=options)).scalar()
            if text is None:
                raise NotCompiled(f"{key}: nothing found")
            answers[key] = str(text)
    return answers


def list_items(value: object) -> int:
    """The items of every list in a compiled answer (each is a list of objects)."""
    if isinstance(value, list):
        return len(value) + sum(list_items(item) for item in value)
    if isinstance(value, dict):
        return sum(list_items(item) for item in value.values())
    return 0


async def dialect_of(ctx: RequestContext) -> str:
    async with ctx.db() as session:
        return session.get_bind().dialect.name
