"""Every list an operation meets is bounded, and counted.

A plain list of objects (a deal's contacts, a department's members) returns at most
``MAX_LIST_ITEMS``, as many as the largest page of a connection, and its description says
so. The items of every list of objects, pages included, are counted per operation as they
are resolved: the cost estimate (schema/cost.py) cannot know how long a plain list will be,
so an operation that meets more than its ``max_list_items`` stops resolving lists and
answers QUERY_TOO_COMPLEX (schema/budget.py turns the tally into that answer).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from contextvars import ContextVar
from inspect import isawaitable
from typing import Any

from graphql import (
    GraphQLError,
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLType,
    default_field_resolver,
    get_named_type,
    is_composite_type,
)

from resolvers.pagination import MAX_PAGE_SIZE
from schema.limits import too_complex

MAX_LIST_ITEMS = MAX_PAGE_SIZE
# What a plain list weighs in the cost estimate: most hold a handful of items.
ASSUMED_LIST_SIZE = 10

Fields = Mapping[str, GraphQLField]
Resolve = Callable[..., Any]


def fields_of(type_: GraphQLNamedType | None) -> Fields:
    """The fields of an object or interface type; none for introspection's types, which are
    left untyped (graphql-core's MaxIntrospectionDepthRule bounds their nesting)."""
    if isinstance(type_, GraphQLObjectType | GraphQLInterfaceType) and not type_.name.startswith(
        "__"
    ):
        fields: Fields = type_.fields
        return fields
    return {}


def is_list(type_: GraphQLType) -> bool:
    return isinstance(type_.of_type if isinstance(type_, GraphQLNonNull) else type_, GraphQLList)


def is_connection(type_: GraphQLNamedType | None) -> bool:
    """A connection's lists (its edges) hold one page."""
    return "pageInfo" in fields_of(type_)


class ItemTally:
    """The list items one operation has met so far."""

    __slots__ = ("limit", "seen")

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.seen = 0

    @property
    def exceeded(self) -> bool:
        return self.seen > self.limit

    def error(self) -> GraphQLError:
        return too_complex(
            f"This operation met more than {self.limit} list items; ask for smaller pages "
            "or fewer nested lists",
            "listItems",
            self.seen,
            self.limit,
        )


# The tally of the query or mutation running in this task (and the tasks it starts).
TALLY: ContextVar[ItemTally | None] = ContextVar("list_item_tally", default=None)


def bound_lists(schema: GraphQLSchema) -> None:
    """Bounds and counts every list of objects the schema's object types return (but the
    mutations', which return what their input named)."""
    skipped = {schema.mutation_type, schema.subscription_type}
    for type_ in schema.type_map.values():
        if type_.name.startswith("__") or type_ in skipped:
            continue
        page = is_connection(type_)
        for field in fields_of(type_).values():
            if not (is_list(field.type) and is_composite_type(get_named_type(field.type))):
                continue
            if not page:
                note = f"At most {MAX_LIST_ITEMS} items."
                field.description = f"{field.description} {note}" if field.description else note
            if isinstance(type_, GraphQLObjectType):
                field.resolve = _bounded(field.resolve or default_field_resolver)


def _bounded(resolve: Resolve) -> Resolve:
    def resolve_bounded(source: Any, info: Any, **arguments: Any) -> Any:
        result = resolve(source, info, **arguments)
        return _awaited(result) if isawaitable(result) else _counted(result)

    return resolve_bounded


async def _awaited(result: Awaitable[Any]) -> Any:
    return _counted(await result)


def _counted(items: Any) -> Any:
    if items is None:
        return None
    items = items if isinstance(items, list) else list(items)
    if len(items) > MAX_LIST_ITEMS:
        items = items[:MAX_LIST_ITEMS]
    tally = TALLY.get()
    if tally is not None:
        tally.seen += len(items)
        if tally.exceeded:
            raise tally.error()
    return items
