"""Per-operation plumbing: a fresh request context for every operation, and the login gate.

Strawberry calls ``get_context`` once per HTTP request but only once per websocket, so what
it returns (``ConnectionInfo``) holds only what the connection knows. ``OperationScope``
turns it into a ``RequestContext`` per operation, with its own session and loaders, and
closes them when the operation ends.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    get_operation_ast,
)
from graphql import ExecutionResult as GraphQLExecutionResult
from strawberry.extensions import SchemaExtension

from auth.tokens import API_KEY_HEADER, as_bearer, parse_authorization
from resolvers.context import RequestContext, Services
from resolvers.errors import (
    DATABASE_UNREACHABLE,
    UNAVAILABLE_MESSAGE,
    ServiceUnavailable,
    Unauthenticated,
)
from resolvers.sessions import policy_in_context, viewer_in_context
from subscriptions.express import FrameSink

log = logging.getLogger(__name__)

# Root fields open to a client that has not logged in. Introspection stays open so that
# GraphiQL can show the schema before the login.
PUBLIC_ROOT_FIELDS = frozenset({"login", "__typename", "__schema", "__type"})


@dataclass
class ConnectionInfo:
    services: Services
    authorization: str | None
    client_address: str
    # Filled by Strawberry from a websocket's connection_init payload.
    connection_params: dict[str, Any] | None = field(default=None)
    # Closes the websocket (code, reason); None over HTTP.
    close: Callable[[int, str], Awaitable[None]] | None = None
    # The websocket's frame writer, when the server offers one (crmhub/websocket.py).
    frames: FrameSink | None = None

    @property
    def raw_token(self) -> str | None:
        header = self.authorization
        if header is None and isinstance(self.connection_params, dict):
            header = _authorization_param(self.connection_params)
        return parse_authorization(header)


def _authorization_param(params: dict[str, Any]) -> str | None:
    """A connection_init payload's ``authorization`` (or ``X-API-Key``), the key in any case
    (GraphiQL sends ``Authorization``), at the top or under ``headers``, as clients pass
    HTTP headers."""
    for source in (params, params.get("headers")):
        if not isinstance(source, dict):
            continue
        for key, value in source.items():
            if not (isinstance(key, str) and isinstance(value, str)):
                continue
            if key.lower() == "authorization":
                return value
            if key.lower() == API_KEY_HEADER:
                return as_bearer(value)
    return None


class OperationScope(SchemaExtension):
    async def on_operation(self) -> AsyncIterator[None]:
        connection = self.execution_context.context
        assert isinstance(connection, ConnectionInfo)
        token = connection.raw_token
        services = connection.services
        ctx = RequestContext(
            services=services,
            viewer=None,
            client_address=connection.client_address,
            close_connection=connection.close,
            frames=connection.frames,
        )
        self.execution_context.context = ctx
        try:
            if token:
                await _identify(ctx, token)
                if connection.close is not None:
                    # A websocket operation (a subscription) may wait for hours: it must not
                    # hold the connection the token check took. Over HTTP the request's
                    # resolvers reuse it: one checkout per request.
                    await ctx.close()
            yield
        finally:
            await ctx.close()
            self.execution_context.context = connection


async def _identify(ctx: RequestContext, token: str) -> None:
    """The viewer behind ``token`` and their policy. When the database cannot be reached the
    viewer stays unknown and every resolver that needs one answers SERVICE_UNAVAILABLE: an
    outage is not the client's fault, and a subscription must not simply end."""
    try:
        ctx.viewer = await viewer_in_context(ctx, token)
        ctx.policy = await policy_in_context(ctx, ctx.viewer) if ctx.viewer else None
    except DATABASE_UNREACHABLE as error:
        log.warning("token check failed, database unreachable: %r", error)
        ctx.viewer, ctx.policy = None, None
        ctx.viewer_unavailable = ServiceUnavailable(UNAVAILABLE_MESSAGE)
        await ctx.close()


class RequireLogin(SchemaExtension):
    """Answers UNAUTHENTICATED, before anything runs, to an operation that needs a viewer."""

    def on_execute(self) -> Any:
        ctx = self.execution_context.context
        document = self.execution_context.graphql_document
        if isinstance(ctx, RequestContext) and ctx.viewer is None and document is not None:
            operation = get_operation_ast(document, self.execution_context.operation_name)
            if (
                operation is not None
                and not _root_fields(document, operation) <= PUBLIC_ROOT_FIELDS
            ):
                refusal = ctx.viewer_unavailable or Unauthenticated(
                    "Log in first: send 'Authorization: Bearer <token>'"
                )
                error = GraphQLError(refusal.message, extensions={"code": refusal.code})
                self.execution_context.result = GraphQLExecutionResult(data=None, errors=[error])
        yield


def _root_fields(document: DocumentNode, operation: OperationDefinitionNode) -> set[str]:
    fragments = {
        definition.name.value: definition
        for definition in document.definitions
        if isinstance(definition, FragmentDefinitionNode)
    }
    names: set[str] = set()
    seen: set[str] = set()

    def walk(selection_set: SelectionSetNode) -> None:
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                names.add(selection.name.value)
            elif isinstance(selection, InlineFragmentNode):
                walk(selection.selection_set)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                if name in fragments and name not in seen:
                    seen.add(name)
                    walk(fragments[name].selection_set)

    walk(operation.selection_set)
    return names
