"""What an operation may cost, computed before it runs.

The cost estimates the fields an operation resolves, as GitHub's GraphQL API estimates its
nodes: every field counts 1, times the items of every list around it. A connection holds
its page (``first`` or ``last``; the default page size when neither is given). A plain list
of objects holds at most 100 items (schema/list_bounds.py) but usually far fewer, and
nothing tells how many before it runs: it weighs ``ASSUMED_LIST_SIZE``, as the GraphQL cost
directives' ``assumedSize``, and the items an operation really meets are counted as it runs
(past ``max_list_items`` it stops). So
``deals(first: 100) { edges { node { company { deals { title } } } } }`` costs
1 + 1 + 100 * (1 + 1 + 1 + 10 * 1). The estimate needs the variables (``first: $n``), so
it is computed as the operation is about to execute; each fragment is costed once per page
size it is spread under, which keeps the computation linear in the document.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from functools import lru_cache
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLField,
    GraphQLNamedType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValueNode,
    VariableNode,
    get_named_type,
    get_operation_ast,
)
from graphql import ExecutionResult as GraphQLExecutionResult
from strawberry.extensions import SchemaExtension

from resolvers.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE
from schema.limits import SATURATED, Same, too_complex
from schema.list_bounds import ASSUMED_LIST_SIZE, fields_of, is_connection, is_list

PAGE_ARGUMENTS = ("first", "last")
Fields = Mapping[str, GraphQLField]


class _Costing:
    def __init__(
        self,
        schema: GraphQLSchema,
        document: DocumentNode,
        operation: OperationDefinitionNode,
        variables: Mapping[str, Any],
    ) -> None:
        self.schema = schema
        self.variables = variables
        self.defaults = {
            definition.variable.name.value: definition.default_value
            for definition in operation.variable_definitions or ()
        }
        self.fragments = {
            definition.name.value: definition
            for definition in document.definitions
            if isinstance(definition, FragmentDefinitionNode)
        }
        self.costs: dict[tuple[str, int | None], int] = {}

    def selection_set(
        self, selection_set: SelectionSetNode, parent: GraphQLNamedType | None, page: int | None
    ) -> int:
        total = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                total += self.field(selection, parent, page)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                inner = self.schema.get_type(condition.name.value) if condition else parent
                total += self.selection_set(selection.selection_set, inner, page)
            elif isinstance(selection, FragmentSpreadNode):
                total += self.fragment(selection.name.value, page)
            total = min(total, SATURATED)
        return total

    def fragment(self, name: str, page: int | None) -> int:
        key = (name, page)
        known = self.costs.get(key)
        if known is not None:
            return known
        self.costs[key] = 0  # a cycle, refused by validation, costs nothing here
        definition = self.fragments.get(name)
        cost = 0
        if definition is not None:
            condition = self.schema.get_type(definition.type_condition.name.value)
            cost = self.selection_set(definition.selection_set, condition, page)
        self.costs[key] = cost
        return cost

    def field(self, node: FieldNode, parent: GraphQLNamedType | None, page: int | None) -> int:
        if node.selection_set is None:
            return 1
        # Introspection fields are untyped: counted 1 each, their lists unweighted.
        definition = fields_of(parent).get(node.name.value)
        child = get_named_type(definition.type) if definition else None
        items = 1
        if parent is not None and definition is not None and is_list(definition.type):
            items = _list_items(parent, page)
        child_page = self.page_size(node) if definition and _paginated(definition) else None
        below = self.selection_set(node.selection_set, child, child_page)
        return min(1 + items * below, SATURATED)

    def page_size(self, node: FieldNode) -> int:
        sizes = [
            self.value(argument.value)
            for argument in node.arguments or ()
            if argument.name.value in PAGE_ARGUMENTS
        ]
        given = [size for size in sizes if size is not None]
        size = max(given) if given else DEFAULT_PAGE_SIZE
        return max(0, min(size, MAX_PAGE_SIZE))

    def value(self, node: ValueNode) -> int | None:
        if isinstance(node, IntValueNode):
            return int(node.value)
        if isinstance(node, VariableNode):
            name = node.name.value
            value = self.variables.get(name)
            if value is None and name not in self.variables:
                default = self.defaults.get(name)
                return self.value(default) if default is not None else None
            # A value of the wrong type fails coercion before anything runs.
            return value if isinstance(value, int) else None
        return None


def _list_items(parent: GraphQLNamedType, page: int | None) -> int:
    """What a list of ``parent`` weighs: a connection's edges their page, others the
    assumed size."""
    return page if page is not None and is_connection(parent) else ASSUMED_LIST_SIZE


def _paginated(field: GraphQLField) -> bool:
    return any(name in field.args for name in PAGE_ARGUMENTS)


def operation_cost(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation: OperationDefinitionNode,
    variables: Mapping[str, Any] | None,
) -> int:
    # The cost depends on the variables only through the integers among them (the page
    # sizes): equal documents with equal integers (but other cursors, say) share one.
    integers = tuple(
        sorted(
            (name, value if isinstance(value, int) else None)
            for name, value in (variables or {}).items()
        )
    )
    return _cost(schema, Same(document), Same(operation), integers)


@lru_cache(maxsize=1024)
def _cost(
    schema: GraphQLSchema,
    document: Same[DocumentNode],
    key: Same[OperationDefinitionNode],
    integers: tuple[tuple[str, int | None], ...],
) -> int:
    operation = key.obj
    costing = _Costing(schema, document.obj, operation, dict(integers))
    root = schema.get_root_type(operation.operation)
    try:
        return costing.selection_set(operation.selection_set, root, None)
    except RecursionError:  # fragments spreading fragments, hundreds deep
        return SATURATED


class CostLimit(SchemaExtension):
    """Refuses, before it runs, an operation whose cost is past the limit."""

    def __init__(self, max_cost: int) -> None:
        super().__init__()
        self.max_cost = max_cost

    def on_execute(self) -> Iterator[None]:
        execution = self.execution_context
        document = execution.graphql_document
        if execution.result is None and document is not None:
            operation = get_operation_ast(document, execution.operation_name)
            if operation is not None:
                cost = operation_cost(
                    execution.schema._schema, document, operation, execution.variables
                )
                if cost > self.max_cost:
                    error = too_complex(
                        f"This operation may cost {cost} (fields times the items of the lists "
                        f"around them); the limit is {self.max_cost}. Ask for smaller pages "
                        "or fewer nested lists",
                        "cost",
                        cost,
                        self.max_cost,
                        operation,
                    )
                    execution.result = GraphQLExecutionResult(data=None, errors=[error])
        yield
