"""Every error a client sees carries ``extensions.code``; none carries a stack trace."""

from __future__ import annotations

import logging
from typing import Any

from graphql import GraphQLError
from strawberry.extensions import MaskErrors
from strawberry.schema.exceptions import InvalidOperationTypeError

from resolvers.errors import DomainError

log = logging.getLogger("crmhub.errors")

INTERNAL = "INTERNAL_SERVER_ERROR"
# GraphQL's own errors (syntax, validation, coercion of variables) come wrapped in another.
CLIENT_ERRORS = (DomainError, GraphQLError, InvalidOperationTypeError)


def is_expected(error: GraphQLError) -> bool:
    """Client mistakes and domain refusals; anything else is a bug worth a log line."""
    return error.original_error is None or isinstance(error.original_error, CLIENT_ERRORS)


class ErrorCodes(MaskErrors):
    """Maps domain errors to their codes, GraphQL's own (syntax, validation, variable
    coercion) to BAD_USER_INPUT, and masks everything unexpected as an internal error."""

    def _process_errors(self, errors: list[GraphQLError]) -> list[GraphQLError]:
        return [self._coded(error) for error in errors]

    def _coded(self, error: GraphQLError) -> GraphQLError:
        original = error.original_error
        if isinstance(original, DomainError):
            extensions: dict[str, Any] = {"code": original.code}
            if original.field:
                extensions["field"] = original.field
            return self._with(error, original.message, extensions)
        if isinstance(original, InvalidOperationTypeError):
            operation = original.operation_type.value
            message = f"A {operation} is not allowed here (legacy graphql-ws runs subscriptions)"
            return self._with(error, message, {"code": "BAD_USER_INPUT"})
        if original is None or isinstance(original, GraphQLError):
            extensions = dict(error.extensions or {})
            extensions.setdefault("code", "BAD_USER_INPUT")
            return self._with(error, error.message, extensions)
        return self._with(error, "Internal server error", {"code": INTERNAL})

    @staticmethod
    def _with(error: GraphQLError, message: str, extensions: dict[str, Any]) -> GraphQLError:
        return GraphQLError(
            message,
            nodes=error.nodes,
            source=error.source,
            positions=error.positions,
            path=error.path,
            extensions=extensions,
        )
