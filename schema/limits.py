"""Limits on the shape of a document, checked before anything else looks at it.

Every walk here visits each fragment once and remembers its result, so a document costs
time linear in its size: a fragment spread twice by a fragment spread twice by … (a "fragment
bomb": 2^N fields in N lines) is measured in N steps, not expanded. The checks run before
graphql-core's own validation rules, some of which compare fields pairwise
(OverlappingFieldsCanBeMerged is quadratic in the fields sharing a response name, and in
the fragments spread into one selection set): a document past these limits never reaches
them.

What the limits measure, per operation, fragments expanded (but never walked twice):
- depth: the longest chain of nested fields (introspection fields left out, as GraphiQL's
  schema query nests ``ofType`` deeply);
- aliases: the aliased fields;
- selections: the fields, each spread counting its fragment's fields again;
and, per selection set, the fields sharing one response name and the fragments spread.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Generic, TypeVar

from graphql import (
    ASTValidationRule,
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
)
from strawberry.extensions import SchemaExtension
from strawberry.schema.schema import validate_document

from resolvers.context import RequestContext

T = TypeVar("T")

TOO_COMPLEX = "QUERY_TOO_COMPLEX"
# Counts stop growing here: a fragment bomb's 2^N must not become a huge integer.
SATURATED = 2**62
NESTED_TOO_DEEPLY = GraphQLError(
    "Fragments are nested too deeply (each spreading the next)", extensions={"code": TOO_COMPLEX}
)


class Same(Generic[T]):
    """A cache key that is its object itself: graphql-core's nodes hash their whole tree
    (a quarter of a millisecond for a small query), while a parsed document is cached, so
    an equal query text is the same object. The key keeps its object alive, so its id is
    never reused while the entry lives."""

    __slots__ = ("obj",)

    def __init__(self, obj: T) -> None:
        self.obj = obj

    def __hash__(self) -> int:
        return id(self.obj)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Same) and other.obj is self.obj


@dataclass(frozen=True)
class QueryLimits:
    """The limits every operation is held to (crmhub/settings.py sets them; these defaults
    are the settings' defaults, for a schema built without settings)."""

    max_depth: int = 12
    max_aliases: int = 30
    max_selections: int = 2_000
    # Per selection set: fields of one response name, and fragments spread.
    max_same_name: int = 20
    max_spreads: int = 30
    # Fields times the items of the lists around them (schema/cost.py).
    max_cost: int = 50_000
    # Items of lists of objects one operation may meet as it runs (schema/list_bounds.py).
    max_list_items: int = 10_000
    # Wall-clock time a query or mutation may run; 0: no limit (schema/budget.py).
    operation_timeout_seconds: float = 10.0


@dataclass(frozen=True)
class Shape:
    depth: int = 0
    aliases: int = 0
    selections: int = 0

    def plus(self, other: Shape) -> Shape:
        return Shape(
            max(self.depth, other.depth),
            min(self.aliases + other.aliases, SATURATED),
            min(self.selections + other.selections, SATURATED),
        )


class _Walker:
    """The shapes of one document's selection sets, each fragment measured once."""

    def __init__(self, document: DocumentNode, limits: QueryLimits) -> None:
        self.limits = limits
        self.fragments = {
            definition.name.value: definition
            for definition in document.definitions
            if isinstance(definition, FragmentDefinitionNode)
        }
        self.shapes: dict[str, Shape] = {}
        self.crowded: list[GraphQLError] = []

    def fragment(self, name: str) -> Shape:
        known = self.shapes.get(name)
        if known is not None:
            return known
        definition = self.fragments.get(name)
        # Unknown, or a cycle (its shape is still being measured): graphql-core's own rules
        # report both; here they count for nothing.
        self.shapes[name] = Shape()
        shape = Shape() if definition is None else self.selection_set(definition.selection_set)
        self.shapes[name] = shape
        return shape

    def selection_set(self, selection_set: SelectionSetNode, inline: bool = False) -> Shape:
        if not inline:  # an inline fragment's fields are checked with its parent's
            self._check_crowding(selection_set)
        shape = Shape()
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                shape = shape.plus(self.field(selection))
            elif isinstance(selection, InlineFragmentNode):
                shape = shape.plus(self.selection_set(selection.selection_set, inline=True))
            elif isinstance(selection, FragmentSpreadNode):
                shape = shape.plus(self.fragment(selection.name.value))
        return shape

    def field(self, field: FieldNode) -> Shape:
        below = Shape() if field.selection_set is None else self.selection_set(field.selection_set)
        introspection = field.name.value.startswith("__")
        return Shape(
            depth=0 if introspection else below.depth + 1,
            aliases=below.aliases + (field.alias is not None),
            selections=min(below.selections + 1, SATURATED),
        )

    def _check_crowding(self, selection_set: SelectionSetNode) -> None:
        names: dict[str, int] = {}
        spreads = 0
        for selection in _flattened(selection_set):
            if isinstance(selection, FragmentSpreadNode):
                spreads += 1
            else:
                key = (selection.alias or selection.name).value
                names[key] = names.get(key, 0) + 1
        busiest = max(names.values(), default=0)
        if busiest > self.limits.max_same_name:
            self.crowded.append(
                too_complex(
                    f"A selection set repeats one field {busiest} times; "
                    f"the limit is {self.limits.max_same_name}",
                    "sameNameFields",
                    busiest,
                    self.limits.max_same_name,
                    selection_set,
                )
            )
        if spreads > self.limits.max_spreads:
            self.crowded.append(
                too_complex(
                    f"A selection set spreads {spreads} fragments; "
                    f"the limit is {self.limits.max_spreads}",
                    "fragmentSpreads",
                    spreads,
                    self.limits.max_spreads,
                    selection_set,
                )
            )


def _flattened(selection_set: SelectionSetNode) -> Iterator[FieldNode | FragmentSpreadNode]:
    """The fields and spreads of a selection set, its inline fragments opened (as
    graphql-core groups them when it compares fields)."""
    for selection in selection_set.selections:
        if isinstance(selection, InlineFragmentNode):
            yield from _flattened(selection.selection_set)
        elif isinstance(selection, FieldNode | FragmentSpreadNode):
            yield selection


def too_complex(
    message: str, measure: str, value: int, limit: int, node: Any = None
) -> GraphQLError:
    return GraphQLError(
        message,
        nodes=node,
        extensions={"code": TOO_COMPLEX, measure: value, "limit": limit},
    )


def shape_errors(document: DocumentNode, limits: QueryLimits) -> list[GraphQLError]:
    """The limits the document's operations exceed."""
    return _shape_errors(Same(document), limits)


@lru_cache(maxsize=512)
def _shape_errors(key: Same[DocumentNode], limits: QueryLimits) -> list[GraphQLError]:
    document = key.obj
    walker = _Walker(document, limits)
    errors: list[GraphQLError] = []
    try:
        for operation in document.definitions:
            if isinstance(operation, OperationDefinitionNode):
                shape = walker.selection_set(operation.selection_set)
                errors.extend(_exceeded(shape, limits, operation))
        # Fragments no operation spreads are still compared by graphql-core's rules.
        for name in walker.fragments:
            walker.fragment(name)
    except RecursionError:
        # The parser refuses deeply nested selections, not long chains of fragments.
        return [NESTED_TOO_DEEPLY]
    return [*errors, *walker.crowded]


def _exceeded(
    shape: Shape, limits: QueryLimits, operation: OperationDefinitionNode
) -> Iterator[GraphQLError]:
    name = operation.name.value if operation.name else "anonymous"
    if shape.depth > limits.max_depth:
        yield too_complex(
            f"Operation '{name}' is nested {shape.depth} fields deep; "
            f"the maximum query depth is {limits.max_depth}",
            "depth",
            shape.depth,
            limits.max_depth,
            operation,
        )
    if shape.aliases > limits.max_aliases:
        yield too_complex(
            f"Operation '{name}' has {shape.aliases} aliases; the limit is {limits.max_aliases}",
            "aliases",
            shape.aliases,
            limits.max_aliases,
            operation,
        )
    if shape.selections > limits.max_selections:
        yield too_complex(
            f"Operation '{name}' selects {shape.selections} fields, fragments expanded; "
            f"the limit is {limits.max_selections}",
            "selections",
            shape.selections,
            limits.max_selections,
            operation,
        )


def operation_errors(
    document: DocumentNode, provided_name: str | None, over_http: bool
) -> list[GraphQLError]:
    """Which operation to run, as the GraphQL-over-HTTP spec asks: a document with several
    operations needs a name; a subscription needs a websocket."""
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if provided_name is None and len(operations) > 1:
        return [
            GraphQLError(
                "Must provide operation name if query contains multiple operations",
                extensions={"code": "BAD_USER_INPUT", "field": "operationName"},
            )
        ]
    chosen = next(
        (
            operation
            for operation in operations
            if provided_name is None or (operation.name and operation.name.value == provided_name)
        ),
        None,
    )
    if over_http and chosen is not None and chosen.operation is OperationType.SUBSCRIPTION:
        return [
            GraphQLError(
                "Subscriptions need a websocket (graphql-transport-ws or graphql-ws) "
                "on this same path",
                nodes=chosen,
                extensions={"code": "BAD_USER_INPUT"},
            )
        ]
    return []


class LimitedValidation(SchemaExtension):
    """Validation, cached per document, behind the limits above: a document past them is
    refused without running graphql-core's rules; then the operation is chosen."""

    def __init__(self, limits: QueryLimits) -> None:
        super().__init__()
        self.limits = limits

    def on_validate(self) -> Iterator[None]:
        execution = self.execution_context
        document = execution.graphql_document
        assert document is not None
        errors = shape_errors(document, self.limits)
        if not errors:
            rules = tuple(execution.validation_rules)
            errors = [
                *_validated(execution.schema._schema, Same(document), rules),
                *operation_errors(document, _provided_name(execution), _over_http(execution)),
            ]
        execution.pre_execution_errors = errors
        yield


@lru_cache(maxsize=512)
def _validated(
    schema: GraphQLSchema, key: Same[DocumentNode], rules: tuple[type[ASTValidationRule], ...]
) -> list[GraphQLError]:
    """graphql-core's validation (and Strawberry's rules), once per document."""
    return validate_document(schema, key.obj, rules)


def _provided_name(execution: Any) -> str | None:
    # Strawberry's `operation_name` falls back to the first operation's name, which hides a
    # missing one; the name the client sent is kept apart.
    name = getattr(execution, "_provided_operation_name", None)
    return name if isinstance(name, str) else None


def _over_http(execution: Any) -> bool:
    context = execution.context
    # Only a websocket's operations can close their connection (schema/extensions.py).
    return isinstance(context, RequestContext) and context.close_connection is None
