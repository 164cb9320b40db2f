"""Coded answers to HTTP requests refused before GraphQL runs: the body of each is a GraphQL
response with one error (``extensions.code``, and ``field`` when one part is at fault), so a
client reads every refusal the same way."""

from __future__ import annotations

from starlette.responses import Response

from schema.sharing import dump_json

BAD_USER_INPUT = "BAD_USER_INPUT"
NOT_FOUND = "NOT_FOUND"


def error_body(message: str, code: str = BAD_USER_INPUT, field: str | None = None) -> bytes:
    extensions = {"code": code} if field is None else {"code": code, "field": field}
    return dump_json({"data": None, "errors": [{"message": message, "extensions": extensions}]})


def error_response(
    status: int,
    message: str,
    *,
    code: str = BAD_USER_INPUT,
    field: str | None = None,
    close: bool = False,
) -> Response:
    """``close``: the connection is not to be reused (what is left of the request unread)."""
    headers = {"connection": "close"} if close else None
    return Response(
        error_body(message, code, field),
        status_code=status,
        media_type="application/json",
        headers=headers,
    )
