"""An operation's selection as the compiler reads it: per object, its fields by response key,
fragments merged in for the object's concrete type.

The compiler keeps to what it can answer exactly as the resolvers would: a directive
anywhere (``@skip``, ``@include``, ``@defer``) and a type condition it cannot decide leave
the operation to the resolvers.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLUnionType,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    get_operation_ast,
)


class NotCompiled(Exception):
    """The operation, or a part of it, is left to the resolvers; the message says why."""


@dataclass(frozen=True)
class Selected:
    """One response key: the field it names and every node that selects it (a field
    selected twice, directly and through a fragment, is merged)."""

    key: str
    name: str
    nodes: tuple[FieldNode, ...]


@dataclass(frozen=True)
class Operation:
    schema: GraphQLSchema
    definition: OperationDefinitionNode
    fragments: Mapping[str, FragmentDefinitionNode]
    roots: tuple[Selected, ...]

    def fields_of(self, selected: Selected, type_name: str) -> list[Selected]:
        """What ``selected`` asks of its value, a ``type_name`` object."""
        sets = [node.selection_set for node in selected.nodes if node.selection_set]
        return collect(self, sets, type_name)


def read_operation(
    schema: GraphQLSchema, document: DocumentNode, operation_name: str | None
) -> Operation:
    operation = get_operation_ast(document, operation_name)
    if operation is None or operation.operation is not OperationType.QUERY:
        raise NotCompiled("not a query")
    if operation.directives:
        raise NotCompiled("a directive on the operation")
    fragments = {
        definition.name.value: definition
        for definition in document.definitions
        if isinstance(definition, FragmentDefinitionNode)
    }
    shell = Operation(schema, operation, fragments, ())
    roots = collect(shell, [operation.selection_set], _query_type_name(schema, operation))
    return Operation(schema, operation, fragments, tuple(roots))


def _query_type_name(schema: GraphQLSchema, operation: OperationDefinitionNode) -> str:
    assert schema.query_type is not None
    return schema.query_type.name


def collect(
    operation: Operation, selection_sets: Iterable[SelectionSetNode], type_name: str
) -> list[Selected]:
    by_key: dict[str, list[FieldNode]] = {}
    for selection_set in selection_sets:
        _walk(operation, selection_set, type_name, by_key, set())
    return [Selected(key, nodes[0].name.value, tuple(nodes)) for key, nodes in by_key.items()]


def _walk(
    operation: Operation,
    selection_set: SelectionSetNode,
    type_name: str,
    by_key: dict[str, list[FieldNode]],
    spread: set[str],
) -> None:
    for selection in selection_set.selections:
        if selection.directives:
            raise NotCompiled("a directive")
        if isinstance(selection, FieldNode):
            key = selection.alias.value if selection.alias else selection.name.value
            by_key.setdefault(key, []).append(selection)
        elif isinstance(selection, InlineFragmentNode):
            condition = selection.type_condition
            if condition is None or _applies(operation, condition.name.value, type_name):
                _walk(operation, selection.selection_set, type_name, by_key, spread)
        elif isinstance(selection, FragmentSpreadNode):
            name = selection.name.value
            fragment = operation.fragments.get(name)
            if fragment is None or name in spread:
                continue
            if _applies(operation, fragment.type_condition.name.value, type_name):
                _walk(operation, fragment.selection_set, type_name, by_key, spread | {name})


def _applies(operation: Operation, condition: str, type_name: str) -> bool:
    """Whether a fragment on ``condition`` applies to an object of ``type_name``."""
    if condition == type_name:
        return True
    schema = operation.schema
    abstract, concrete = schema.get_type(condition), schema.get_type(type_name)
    if abstract is None or concrete is None:
        raise NotCompiled(f"an unknown type {condition}")
    if isinstance(abstract, GraphQLInterfaceType | GraphQLUnionType) and isinstance(
        concrete, GraphQLObjectType
    ):
        return schema.is_sub_type(abstract, concrete)
    return False
