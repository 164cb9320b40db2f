"""An object's selection as one JSON expression over a row of its table.

CRM records are read from their declarations (``models.crm.entities``): columns by kind,
references and links by target, each linked record behind the viewer's READ filter and in
its entity's ``listing_order``, as the resolvers' loaders give them. Stages, statuses,
pipelines and users are read from their columns. A field the declarations do not describe
this way (a resolver of its own: ``access``, ``timeline``, custom fields) is
``NotCompiled``.

Field masks are ``CASE``s on the record's row (``auth.policy.masks.field_shown``), and a
linked record whose own end of the link is hidden is left out, as ``schema.crm.masking``
does; for a viewer no role of whom hides anything the SQL has neither.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Boolean, ColumnElement, Table, and_, true
from sqlalchemy.sql.selectable import FromClause

from auth.policy import CompiledPolicy
from auth.policy.entities import RecordColumns
from auth.policy.masks import field_shown
from models.crm import CrmEntity, DealStage, LeadSource, LeadStatus, Pipeline
from models.crm.entities import (
    DECLARATIONS,
    EntityDeclaration,
    Field,
    FieldKind,
    column_name,
    declaration_of_type,
    listing_order,
    other_end_of,
    type_name_of,
)
from models.identity import User
from resolvers.compiled.json_sql import JsonSql, JsonValue
from resolvers.compiled.selection import NotCompiled, Operation, Selected
from resolvers.pagination import MAX_PAGE_SIZE

TYPENAME = "__typename"


def _table(model: type[Any]) -> Table:
    table = model.__table__
    assert isinstance(table, Table)
    return table


# Types without a declaration, answered from their own columns: GraphQL field -> column.
# (``semantics`` is stored as its enum member's name, which GraphQL shows.)
STATUS_COLUMNS = {"name": "name", "sort": "sort", "semantics": "semantics"}
PLAIN_TYPES: dict[str, tuple[Table, dict[str, str]]] = {
    "DealStage": (_table(DealStage), STATUS_COLUMNS),
    "LeadStatus": (_table(LeadStatus), STATUS_COLUMNS),
    "LeadSource": (_table(LeadSource), {"name": "name", "sort": "sort"}),
    "Pipeline": (_table(Pipeline), {"name": "name", "sort": "sort", "isDefault": "is_default"}),
    "User": (_table(User), {"name": "name", "email": "email", "position": "position"}),
}
RECORD_TYPES = frozenset(type_name_of(entity) for entity in DECLARATIONS)


# A plain list of objects holds at most a page (schema/list_bounds.py: MAX_LIST_ITEMS).
MAX_LIST_ITEMS = MAX_PAGE_SIZE
# Records nested deeper than this are left to the resolvers: SQLite's parser has a fixed
# stack, and such selections are rare.
MAX_DEPTH = 4


@dataclass
class ObjectCompiler:
    """Compiles one operation's objects. It keeps, as it goes, the most list items the
    answer could hold (every list at its bound, under every item of the lists around it):
    the resolvers stop an operation that meets more than ``max_list_items``, so an answer
    that could hold more is counted before it is given (``could_exceed``)."""

    json: JsonSql
    policy: CompiledPolicy
    operation: Operation
    max_list_items: int
    list_items: int = 0
    _copies: int = 1
    _depth: int = 0

    @property
    def could_exceed(self) -> bool:
        return self.list_items > self.max_list_items

    @contextmanager
    def listed(self, bound: int) -> Iterator[None]:
        """Compiling the items of a list of at most ``bound``, under the current ones."""
        self.list_items += self._copies * bound
        copies = self._copies
        self._copies = copies * bound
        try:
            yield
        finally:
            self._copies = copies

    # Records ------------------------------------------------------------------------------

    def record(self, type_name: str, row: FromClause, selected: Selected) -> JsonValue:
        declaration = declaration_of_type(type_name)
        if self._depth == MAX_DEPTH:
            raise NotCompiled(f"records nested more than {MAX_DEPTH} deep")
        self._depth += 1
        try:
            pairs = [
                (field.key, self._masked(declaration, row, field))
                for field in self.operation.fields_of(selected, type_name)
            ]
        finally:
            self._depth -= 1
        return self.json.object_of(pairs)

    def _masked(
        self, declaration: EntityDeclaration, row: FromClause, selected: Selected
    ) -> JsonValue:
        value = self._record_field(declaration, row, selected)
        if selected.name not in declaration.maskable_names():
            return value
        entity = declaration.entity
        shown = field_shown(self.policy, entity, selected.name, record_columns(declaration, row))
        return value if shown is true() else self.json.masked(value, shown)

    def _record_field(
        self, declaration: EntityDeclaration, row: FromClause, selected: Selected
    ) -> JsonValue:
        type_name = type_name_of(declaration.entity)
        if selected.name == TYPENAME:
            return self.json.constant(type_name)
        if selected.name == "id":
            return self.json.relay_id(type_name, row.c.id)
        field = next((item for item in declaration.fields if item.name == selected.name), None)
        if field is None or (field.kind is FieldKind.LINKS and field.through is None):
            return self._reverse_link(declaration.entity, row, selected)
        if field.kind is FieldKind.LINKS:
            return self._links(declaration.entity, row, field, selected)
        if field.attribute is None:
            raise NotCompiled(f"{type_name}.{selected.name} is not a column")
        column = row.c[column_name(declaration, field.attribute)]
        if field.kind is FieldKind.ID:
            return self._reference(declaration.entity, field, column, selected)
        return self.scalar(field.kind, column, f"{type_name}.{selected.name}")

    def scalar(self, kind: FieldKind, column: ColumnElement[Any], where: str) -> JsonValue:
        if kind in (FieldKind.TEXT, FieldKind.INT):
            return self.json.plain(column)
        if kind is FieldKind.DECIMAL:
            return self.json.decimal(column)
        if kind is FieldKind.BOOLEAN:
            return self.json.boolean(column)
        if kind is FieldKind.DATETIME:
            return self.json.timestamp(column)
        raise NotCompiled(f"{where}: {kind.value} values are not compiled")

    def _reference(
        self, owner: CrmEntity, field: Field, column: ColumnElement[Any], selected: Selected
    ) -> JsonValue:
        target = field.target or ""
        if target in PLAIN_TYPES:
            table = PLAIN_TYPES[target][0].alias()
            return self.json.first_row(
                self.plain(target, table, selected), table, table.c.id == column
            )
        if target in RECORD_TYPES:
            table = _table_of(target).alias()
            shown = and_(table.c.id == column, self.linkable(owner, field, target, table))
            return self.json.first_row(self.record(target, table, selected), table, shown)
        raise NotCompiled(f"references to {target} are not compiled")

    def _links(
        self, owner: CrmEntity, row: FromClause, field: Field, selected: Selected
    ) -> JsonValue:
        through = field.through
        target = field.target or ""
        if through is None or target not in RECORD_TYPES:
            raise NotCompiled(f"links to {target} are not compiled")
        table = _table_of(target).alias()
        link = through.model.__table__.alias()
        joined = table.join(link, link.c[through.other] == table.c.id)
        where = and_(link.c[through.own] == row.c.id, self.linkable(owner, field, target, table))
        with self.listed(MAX_LIST_ITEMS):
            element = self.record(target, table, selected)
        order = listing_order(declaration_of_type(target).entity, table)
        return self.json.array_of(element, joined, where, order, MAX_LIST_ITEMS)

    def _reverse_link(self, entity: CrmEntity, row: FromClause, selected: Selected) -> JsonValue:
        """A list of the records whose reference names this one (a company's ``deals``)."""
        for declaration in DECLARATIONS.values():
            for field in declaration.fields:
                if field.other_end == (entity, selected.name) and field.attribute:
                    target = type_name_of(declaration.entity)
                    table = _table_of(target).alias()
                    where = and_(
                        table.c[column_name(declaration, field.attribute)] == row.c.id,
                        self.readable(target, table),
                        self._shown(declaration, field.name, table),
                    )
                    with self.listed(MAX_LIST_ITEMS):
                        element = self.record(target, table, selected)
                    order = listing_order(declaration.entity, table)
                    return self.json.array_of(element, table, where, order, MAX_LIST_ITEMS)
        raise NotCompiled(f"{type_name_of(entity)}.{selected.name} has a resolver of its own")

    def readable(self, type_name: str, table: FromClause) -> ColumnElement[bool]:
        declaration = declaration_of_type(type_name)
        return self.policy.read_filter(declaration.entity, record_columns(declaration, table))

    def linkable(
        self, owner: CrmEntity, field: Field, target: str, table: FromClause
    ) -> ColumnElement[bool]:
        """Linked ``target`` records the viewer may read, whose own end of the link (a
        company's ``deals`` for a deal's ``company``) is not hidden from them."""
        readable = self.readable(target, table)
        other_end = other_end_of(owner, field.name)
        if other_end is None:
            return readable
        return and_(readable, self._shown(declaration_of_type(target), other_end[1], table))

    def _shown(
        self, declaration: EntityDeclaration, name: str, table: FromClause
    ) -> ColumnElement[bool]:
        columns = record_columns(declaration, table)
        return field_shown(self.policy, declaration.entity, name, columns)

    # Stages and users ---------------------------------------------------------------------

    def plain(self, type_name: str, row: FromClause, selected: Selected) -> JsonValue:
        columns = PLAIN_TYPES[type_name][1]
        pairs: list[tuple[str, JsonValue]] = []
        for field in self.operation.fields_of(selected, type_name):
            if field.name == TYPENAME:
                pairs.append((field.key, self.json.constant(type_name)))
            elif field.name == "id":
                pairs.append((field.key, self.json.relay_id(type_name, row.c.id)))
            elif field.name in columns:
                column = row.c[columns[field.name]]
                is_flag = isinstance(column.type, Boolean)
                value = self.json.boolean(column) if is_flag else self.json.plain(column)
                pairs.append((field.key, value))
            else:
                raise NotCompiled(f"{type_name}.{field.name} is not compiled")
        return self.json.object_of(pairs)


def record_columns(declaration: EntityDeclaration, table: FromClause) -> RecordColumns:
    """The columns access rules judge, on ``table`` (an alias of the entity's table)."""
    status = declaration.status
    status_attribute = None if status is None else declaration.field(status).attribute
    return RecordColumns(
        table.c[column_name(declaration, declaration.responsible)],
        table.c[column_name(declaration, declaration.opened)],
        None if status_attribute is None else table.c[column_name(declaration, status_attribute)],
    )


def _table_of(type_name: str) -> Table:
    table = declaration_of_type(type_name).model.__table__
    assert isinstance(table, Table)
    return table
