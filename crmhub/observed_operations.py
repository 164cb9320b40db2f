"""Every GraphQL operation counted, timed and named in the logs (HTTP and websockets alike).

``ObservedOperation`` must be the schema's first extension: it enters first and leaves last,
so that when it reads the result every other extension has coded its errors. The viewer and
the operation's type are known only once the document is parsed and the viewer identified
(``on_execute``); an operation refused before execution (a document that does not parse or
validate) counts as ``invalid``.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension
from strawberry.types.graphql import OperationType

from crmhub.metrics import (
    ERRORS,
    OPERATION_LATENCY,
    OPERATIONS,
    SUBSCRIPTIONS_ACTIVE,
    operation_label,
)
from crmhub.request_log import enter_operation
from resolvers.context import RequestContext

INVALID = "invalid"  # the type of an operation refused before execution
UNCODED = "INTERNAL_SERVER_ERROR"


class ObservedOperation(SchemaExtension):
    def __init__(self) -> None:
        self._type = INVALID
        self._name = operation_label(None)

    async def on_operation(self) -> AsyncIterator[None]:
        started = time.perf_counter()
        subscription = False
        try:
            yield
        finally:
            subscription = self._type == OperationType.SUBSCRIPTION.value
            if subscription:
                SUBSCRIPTIONS_ACTIVE.labels(self._name).dec()
            else:
                OPERATION_LATENCY.labels(self._type, self._name).observe(
                    time.perf_counter() - started
                )
            errors = _errors_of(self.execution_context.result)
            outcome = "error" if errors else "ok"
            OPERATIONS.labels(self._type, self._name, outcome).inc()
            _count(errors)

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        # Named by the request's operationName, or else by the document's operation.
        self._name = operation_label(context.operation_name)
        operation_type = context.operation_type
        if operation_type == OperationType.SUBSCRIPTION:
            SUBSCRIPTIONS_ACTIVE.labels(self._name).inc()
        self._type = operation_type.value  # from here on, the end of a subscription counts
        ctx = context.context
        viewer = ctx.viewer if isinstance(ctx, RequestContext) else None
        enter_operation(viewer.user_id if viewer else None, context.operation_name)
        yield

    def on_stream_result(self, result: Any) -> Iterator[None]:
        # Every event of every subscriber passes here: only a glance when there is no error.
        yield None
        errors = getattr(result, "errors", None)
        if errors:
            _count(errors)


def _errors_of(result: object) -> list[GraphQLError]:
    errors = getattr(result, "errors", None)
    return list(errors) if errors else []


def _count(errors: list[GraphQLError]) -> None:
    for error in errors:
        code = (error.extensions or {}).get("code")
        if not isinstance(code, str):
            # Left uncoded only by GraphQL's own checks (syntax), which the schema codes as
            # the client's mistake on the way out; anything else would be masked.
            code = "BAD_USER_INPUT" if error.original_error is None else UNCODED
        ERRORS.labels(code).inc()
