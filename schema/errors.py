"""Every error a client sees carries ``extensions.code``; none carries a stack trace."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from typing import Any

from graphql import (
    ArgumentNode,
    DocumentNode,
    GraphQLError,
    ObjectFieldNode,
    VariableDefinitionNode,
    VariableNode,
    Visitor,
    visit,
)
from strawberry.extensions import MaskErrors
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError

from resolvers.errors import DATABASE_UNREACHABLE, UNAVAILABLE_MESSAGE, DomainError

log = logging.getLogger("crmhub.errors")

# graphql-core: "Variable '$f' has invalid value at .amount.gt: …" (list items as "[0]"),
# "Variable '$p' has invalid value: …" for the variable itself.
_INVALID_VARIABLE = re.compile(
    r"^Variable '\$(\w+)' has invalid value(?: at ((?:\.\w+|\[\d+\])+))?:"
)

INTERNAL = "INTERNAL_SERVER_ERROR"
# GraphQL's own errors (syntax, validation, coercion of variables) come wrapped in another.
CLIENT_ERRORS = (
    DomainError,
    GraphQLError,
    InvalidOperationTypeError,
    CannotGetOperationTypeError,
)


def is_expected(error: GraphQLError) -> bool:
    """Client mistakes and domain refusals; anything else is a bug worth a log line."""
    return error.original_error is None or isinstance(error.original_error, CLIENT_ERRORS)


class ErrorCodes(MaskErrors):
    """Maps domain errors to their codes, GraphQL's own (syntax, validation, variable
    coercion) to BAD_USER_INPUT, and masks everything unexpected as an internal error."""

    def _process_errors(self, errors: list[GraphQLError]) -> list[GraphQLError]:
        return [self._coded(error) for error in errors]

    def on_stream_result(self, result: Any) -> Iterator[None]:
        # Runs for every event a subscriber receives: skip MaskErrors' checks (a Protocol
        # isinstance, costly at thousands of subscribers) when there is nothing to mask.
        self._stream_result_processed = True
        if getattr(result, "errors", None):
            self._process_stream_result(result)
        yield None

    def _coded(self, error: GraphQLError) -> GraphQLError:
        original = error.original_error
        extensions: dict[str, Any]
        if isinstance(original, GraphQLError):
            # A variable that did not coerce (wrong type, bad scalar): the client's mistake.
            extensions = {"code": "BAD_USER_INPUT"}
            field = self._variable_field(error.message)
            if field:
                extensions["field"] = field
            return self._with(error, error.message, extensions)
        if isinstance(original, DomainError):
            extensions = {"code": original.code}
            if original.field:
                extensions["field"] = original.field
            return self._with(error, original.message, extensions)
        if isinstance(original, InvalidOperationTypeError):
            operation = original.operation_type.value
            message = f"A {operation} is not allowed here (legacy graphql-ws runs subscriptions)"
            return self._with(error, message, {"code": "BAD_USER_INPUT"})
        if isinstance(original, CannotGetOperationTypeError):
            # Over HTTP Strawberry answers it with a 400; on a websocket it lands here.
            message = original.as_http_error_reason()
            return self._with(error, message, {"code": "BAD_USER_INPUT", "field": "operationName"})
        if isinstance(original, DATABASE_UNREACHABLE):
            return self._with(error, UNAVAILABLE_MESSAGE, {"code": "SERVICE_UNAVAILABLE"})
        if original is None or isinstance(original, GraphQLError):
            extensions = dict(error.extensions or {})
            extensions.setdefault("code", "BAD_USER_INPUT")
            return self._with(error, error.message, extensions)
        return self._with(error, "Internal server error", {"code": INTERNAL})

    def _variable_field(self, message: str) -> str | None:
        """The offending input field of a variable that did not coerce, named from the
        argument the variable fills: ``filter.amount.gt``, or for a mutation's ``input``
        just ``amount``, as the resolvers name fields."""
        match = _INVALID_VARIABLE.match(message)
        if match is None:
            return None
        variable, rest = match.group(1), match.group(2) or ""
        inside = re.sub(r"\[(\d+)\]", r".\1", rest).lstrip(".")
        document = self.execution_context.graphql_document
        filled = variable_path(document, variable) if document else [variable]
        return input_field([*filled, *filter(None, inside.split("."))])

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


def input_field(path: list[str]) -> str:
    """The name errors give an input field: its path from the argument, dot-separated, without
    a mutation's ``input`` argument (resolvers name ``amount``, not ``input.amount``)."""
    return ".".join(path[1:] if path[:1] == ["input"] and len(path) > 1 else path)


def variable_path(document: DocumentNode, variable: str) -> list[str]:
    """The input field a variable fills where it is first used (``filter``, ``title``),
    else its own name."""
    found: list[list[str | int]] = []

    class Finder(Visitor):
        def enter_variable(
            self, node: VariableNode, _key: Any, parent: Any, path: Any, *_: Any
        ) -> Any:
            if node.name.value == variable and not isinstance(parent, VariableDefinitionNode):
                found.append(list(path))
                return self.BREAK
            return None

    visit(document, Finder())
    return input_path(document, found[0]) if found else [variable]


def input_path(document: DocumentNode, path: list[str | int]) -> list[str]:
    """The input field a value of the document fills (``filter``, ``title``, ``contains``),
    from the value's AST path (as a visitor gives it)."""
    names: list[str] = []
    node: Any = document
    previous: str | int | None = None
    for key in path:
        node = node[key] if isinstance(key, int) else getattr(node, key)
        if isinstance(node, ArgumentNode | ObjectFieldNode):
            names.append(node.name.value)
        elif isinstance(node, VariableDefinitionNode):
            names.append(node.variable.name.value)
        elif isinstance(key, int) and previous == "values":
            names.append(str(key))
        previous = key
    return names
