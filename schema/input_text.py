"""Text no database can store is refused where it enters, once for every field.

A request's strings reach resolvers two ways: as literals in the document and as variables.
Neither may carry NUL (PostgreSQL refuses it in text) or a lone UTF-16 surrogate (a JSON body
may hold "\\ud800"; no encoding can store it, and the driver fails). Literals are checked by a
validation rule, so once per document (validation is cached); variables by an extension,
before execution. Either answers BAD_USER_INPUT naming the input field, as resolvers do.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from graphql import (
    ExecutionResult,
    GraphQLError,
    StringValueNode,
    ValidationRule,
    get_operation_ast,
)
from strawberry.extensions import SchemaExtension

from resolvers.validation import has_bad_characters
from schema.errors import input_field, input_path, variable_path

MESSAGE = "Text must not contain NUL characters or unpaired UTF-16 surrogates"


class CleanLiterals(ValidationRule):
    """Refuses string literals with characters no database can store."""

    def enter_string_value(
        self, node: StringValueNode, _key: Any, _parent: Any, path: Any, *_: Any
    ) -> None:
        if has_bad_characters(node.value):
            field = input_field(input_path(self.context.document, list(path)))
            self.report_error(
                GraphQLError(MESSAGE, node, extensions={"code": "BAD_USER_INPUT", "field": field})
            )


class CleanVariables(SchemaExtension):
    """Refuses an operation whose variables carry characters no database can store."""

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        if context.result is None and context.variables and document is not None:
            operation = get_operation_ast(document, context.operation_name)
            declared = {
                definition.variable.name.value
                for definition in (operation.variable_definitions or () if operation else ())
            }
            for name in declared & context.variables.keys():
                path = _bad_text_path(context.variables[name])
                if path is not None:
                    field = input_field([*variable_path(document, name), *path])
                    error = GraphQLError(
                        MESSAGE, extensions={"code": "BAD_USER_INPUT", "field": field}
                    )
                    context.result = ExecutionResult(data=None, errors=[error])
                    break
        yield


def _bad_text_path(value: Any) -> list[str] | None:
    """The path to the first string in ``value`` (decoded JSON) that fails the check."""
    if isinstance(value, str):
        return [] if has_bad_characters(value) else None
    items: Iterable[tuple[Any, Any]]
    if isinstance(value, dict):
        items = value.items()
    elif isinstance(value, list):
        items = enumerate(value)
    else:
        return None
    for key, item in items:
        if isinstance(key, str) and has_bad_characters(key):
            return []  # the key itself: name the object that holds it
        found = _bad_text_path(item)
        if found is not None:
            return [str(key), *found]
    return None
