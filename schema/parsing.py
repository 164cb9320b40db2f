"""Strawberry's parser cache, with syntax errors left to Strawberry's own parse.

``ParserCache`` parses in its ``on_parse`` hook, outside the ``try`` in which Strawberry
turns a ``GraphQLSyntaxError`` into a pre-execution error. Over HTTP the error is caught
further out; on a websocket it escapes the operation's task: a traceback in the log, and the
client gets a bare ``complete`` instead of graphql-transport-ws' 4400 or legacy graphql-ws'
``error``. Here the hook leaves a document that does not parse unset, so Strawberry parses
it again where it answers the error (only invalid documents are parsed twice).
"""

from __future__ import annotations

from collections.abc import Iterator

from graphql import GraphQLError
from strawberry.extensions import ParserCache


class CheckedParserCache(ParserCache):
    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        try:
            context.graphql_document = self.cached_parse_document(
                context.query, **context.parse_options
            )
        except GraphQLError:
            context.graphql_document = None
        yield
