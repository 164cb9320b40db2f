"""Every error a client sees carries ``extensions.code``; none carries a stack trace."""

from __future__ import annotations

import logging
from typing import Any

from graphql import GraphQLError
from strawberry.extensions import MaskErrors

from resolvers.errors import DomainError

log = logging.getLogger("crmhub.errors")

INTERNAL = "INTERNAL_SERVER_ERROR"


def is_expected(error: GraphQLError) -> bool:
    """Client mistakes and domain refusals; anything else is a bug worth a log line."""
    return error.original_error is None or isinstance(error.original_error, DomainError)


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
        if original is None:
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
