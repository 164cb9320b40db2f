"""Compiled reads in the request: the extension that answers a query from the compiler's
statements (resolvers/compiled/) when it can, and lets the resolvers answer otherwise.

Root fields' arguments are converted exactly as Strawberry converts them for the resolvers
(graphql-core's coercion, then Strawberry's input types); a list's filter and order are
read by the lists' own functions. Any refusal on the way (a bad cursor, a filter on a
hidden field) leaves the whole operation to the resolvers, which answer it with their
error. The compiled JSON reaches the response as ``orjson.Fragment``s, unparsed.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import orjson
from graphql import (
    ExecutionResult,
    GraphQLError,
    GraphQLField,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
)
from graphql.execution.values import VariableValues, get_argument_values, get_variable_values
from strawberry.extensions import SchemaExtension
from strawberry.types.arguments import convert_arguments

from models.crm.entities import declaration_of_type
from resolvers.compiled.config import CompiledReadsMode
from resolvers.compiled.json_sql import JsonSql
from resolvers.compiled.objects import RECORD_TYPES, ObjectCompiler
from resolvers.compiled.roots import (
    ConnectionTypes,
    ListArguments,
    RootStatement,
    dialect_of,
    list_items,
    list_statement,
    node_statement,
    run_statements,
)
from resolvers.compiled.selection import NotCompiled, Operation, Selected, read_operation
from resolvers.context import RequestContext
from resolvers.crm.custom_values import reads_definitions
from resolvers.crm.fields import RECORD_FIELDS
from schema.crm.filters import to_filter, to_order
from schema.relay import page_request

log = logging.getLogger(__name__)

PLAN_CACHE_SIZE = 512
K = TypeVar("K")
V = TypeVar("V")
LIST_ARGUMENTS = frozenset({"first", "after", "last", "before", "filter", "order_by", "view"})


class _Recent(Generic[K, V]):
    """The ``size`` most recently used entries."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._entries: OrderedDict[K, V] = OrderedDict()

    def get(self, key: K) -> V | None:
        value = self._entries.get(key)
        if value is not None:
            self._entries.move_to_end(key)
        return value

    def clear(self) -> None:
        self._entries.clear()

    def put(self, key: K, value: V) -> None:
        self._entries[key] = value
        if len(self._entries) > self.size:
            self._entries.popitem(last=False)


@dataclass(frozen=True)
class Built:
    """An operation's statements, one per root field, and whether its answer could hold
    more list items than an operation may meet (then it is counted before it is given)."""

    statements: list[tuple[str, RootStatement]]
    could_exceed: bool


# The operations read from documents, by (document, operation name), or why one cannot be
# compiled.
PLANS: _Recent[tuple[str, str | None], Operation | str] = _Recent(PLAN_CACHE_SIZE)
# Built statements, by document, operation, variables, the viewer's compiled policy (its
# READ filters are in them) and dialect: building one costs more than running it.
STATEMENTS: _Recent[tuple[object, ...], Built] = _Recent(PLAN_CACHE_SIZE)


def _plan(schema: GraphQLSchema, query: str, name: str | None, document: Any) -> Operation:
    plan = PLANS.get((query, name))
    if plan is None:
        try:
            plan = read_operation(schema, document, name)
        except NotCompiled as refusal:
            plan = str(refusal)
        PLANS.put((query, name), plan)
    if isinstance(plan, str):
        raise NotCompiled(plan)
    return plan


class CompiledReads(SchemaExtension):
    def __init__(self, max_list_items: int) -> None:
        super().__init__()
        # The operation's list budget (schema/budget.py), which a compiled answer keeps to.
        self.max_list_items = max_list_items

    async def on_execute(self) -> AsyncIterator[None]:
        context = self.execution_context.context
        mode = _mode(context, self.execution_context.result)
        if mode is CompiledReadsMode.OFF:
            yield
            return
        assert isinstance(context, RequestContext)
        shadow = mode is CompiledReadsMode.VERIFY
        try:
            answers = await self._answers(context, shadow=shadow)
        except NotCompiled as refusal:
            log.debug("not compiled: %s", refusal)
            answers = None
        except Exception:
            # A compiler's fault must not cost the client its answer: the resolvers give it,
            # on a fresh session (a failed statement leaves PostgreSQL's transaction aborted).
            log.exception("compiling %r failed", self.execution_context.operation_name)
            await context.close()
            if shadow:
                context.services.compiled_reads.mismatches.append(
                    f"{self.execution_context.query!r}: the compiler failed (see the log)"
                )
            answers = None
        if answers is not None and not shadow:
            data = {key: orjson.Fragment(text) for key, text in answers.items()}
            self.execution_context.result = ExecutionResult(data=data, errors=None)
        yield
        if answers is not None and shadow:
            self._compare(context, answers)

    async def _answers(self, ctx: RequestContext, *, shadow: bool) -> dict[str, str]:
        execution = self.execution_context
        schema = execution.schema._schema
        query, name = execution.query, execution.operation_name
        if not query:  # plans are kept by the document's text
            raise NotCompiled("no document text")
        plan = _plan(schema, query, name, execution.graphql_document)
        try:
            variables = orjson.dumps(execution.variables or {}, option=orjson.OPT_SORT_KEYS)
        except TypeError as error:  # an upload, say: no query takes one
            raise NotCompiled("variables that are not JSON") from error
        policy = ctx.require_policy()
        dialect = await dialect_of(ctx)
        key = (query, name, variables, policy, dialect)
        built = STATEMENTS.get(key)
        if built is None:
            built, cacheable = await self._statements(ctx, plan, JsonSql(dialect))
            if cacheable:
                STATEMENTS.put(key, built)
        answers = await run_statements(ctx, built.statements, shadow=shadow)
        if built.could_exceed:
            met = sum(list_items(orjson.loads(text)) for text in answers.values())
            if met > self.max_list_items:
                raise NotCompiled("more list items than an operation may meet")
        return answers

    async def _statements(
        self, ctx: RequestContext, plan: Operation, json: JsonSql
    ) -> tuple[Built, bool]:
        execution = self.execution_context
        schema = execution.schema._schema
        variables = get_variable_values(
            schema, plan.definition.variable_definitions or (), execution.variables or {}
        )
        if not isinstance(variables, VariableValues):
            raise NotCompiled("variables graphql-core refuses")
        compiler = ObjectCompiler(json, ctx.require_policy(), plan, self.max_list_items)
        statements, cacheable = [], True
        for root in plan.roots:
            statement, root_cacheable = await self._root(ctx, compiler, schema, root, variables)
            statements.append((root.key, statement))
            cacheable = cacheable and root_cacheable
        return Built(statements, compiler.could_exceed), cacheable

    async def _root(
        self,
        ctx: RequestContext,
        compiler: ObjectCompiler,
        schema: GraphQLSchema,
        root: Selected,
        variables: VariableValues,
    ) -> tuple[RootStatement, bool]:
        """The root field's statement, and whether it may be kept: a list whose query reads
        the custom fields' definitions may not (they change without a policy epoch)."""
        assert schema.query_type is not None
        definition = schema.query_type.fields.get(root.name)
        if definition is None or len(root.nodes) != 1:
            raise NotCompiled(f"root field {root.name}")
        arguments = self._arguments(definition, root, variables)
        if root.name == "node":
            return node_statement(compiler, root, str(arguments["id"])), True
        types = _connection_types(definition)
        if types is None or not set(arguments) <= LIST_ARGUMENTS:
            raise NotCompiled(f"root field {root.name}")
        node_type = types.connection.removesuffix("Connection")
        if node_type not in RECORD_TYPES or arguments.get("view") is not None:
            raise NotCompiled(f"root field {root.name}")
        entity = declaration_of_type(node_type).entity
        try:
            list_arguments = ListArguments(
                entity,
                to_filter(arguments.get("filter"), RECORD_FIELDS[entity]),
                to_order(arguments.get("order_by")),
                page_request(
                    *(arguments.get(name) for name in ("first", "after", "last", "before"))
                ),
            )
        except Exception as error:  # the resolvers answer it, with their error
            raise NotCompiled("arguments the resolvers refuse") from error
        statement = await list_statement(ctx, compiler, root, types, list_arguments)
        fields = RECORD_FIELDS[entity]
        return statement, not reads_definitions(fields, list_arguments.filter, list_arguments.order)

    def _arguments(
        self, definition: GraphQLField, root: Selected, variables: VariableValues
    ) -> dict[str, Any]:
        execution = self.execution_context
        try:
            raw = get_argument_values(definition, root.nodes[0], variables)
        except GraphQLError as error:
            raise NotCompiled("arguments graphql-core refuses") from error
        field = definition.extensions.get("strawberry-definition")
        if field is None:
            raise NotCompiled("a field Strawberry did not define")
        converter = execution.schema.schema_converter
        return convert_arguments(raw, field.arguments, converter.scalar_registry, converter.config)

    def _compare(self, ctx: RequestContext, answers: dict[str, str]) -> None:
        ctx.services.compiled_reads.compared += 1
        result = self.execution_context.result
        expected = None if result is None else result.data
        compiled = {key: orjson.loads(text) for key, text in answers.items()}
        resolved = None if expected is None else orjson.loads(orjson.dumps(expected))
        if resolved == compiled and not (result and result.errors):
            return
        query = self.execution_context.query
        errors = None if result is None else result.errors
        mismatch = (
            f"{query!r} {self.execution_context.variables!r}:\n compiled {compiled!r}\n"
            f" resolved {resolved!r} errors {errors!r}"
        )
        log.error("compiled read differs from the resolvers: %s", mismatch)
        ctx.services.compiled_reads.mismatches.append(mismatch)


def _mode(context: object, result: object) -> CompiledReadsMode:
    """OFF where the compiler does not run: an answer already given (a refusal), no viewer,
    a websocket's operation."""
    if result is not None or not isinstance(context, RequestContext):
        return CompiledReadsMode.OFF
    if context.policy is None or context.close_connection is not None:
        return CompiledReadsMode.OFF
    return context.services.compiled_reads.mode


def _connection_types(definition: GraphQLField) -> ConnectionTypes | None:
    connection = _unwrapped(definition.type)
    if not isinstance(connection, GraphQLObjectType) or "edges" not in connection.fields:
        return None
    edge = _unwrapped(connection.fields["edges"].type)
    page_info = _unwrapped(connection.fields["pageInfo"].type)
    return ConnectionTypes(
        connection.name, str(getattr(edge, "name", "")), str(getattr(page_info, "name", ""))
    )


def _unwrapped(graphql_type: Any) -> Any:
    while isinstance(graphql_type, GraphQLNonNull | GraphQLList):
        graphql_type = graphql_type.of_type
    return graphql_type
