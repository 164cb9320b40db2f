"""Coded answers to HTTP requests refused before GraphQL runs: the body of each is a GraphQL
response with one error (``extensions.code``, and ``field`` when one part is at fault), so a
client reads every refusal the same way."""

from __future__ import annotations

import orjson
from cross_web import HTTPException
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


class RequestRefused(HTTPException):
    """A bad request, naming the part at fault (if one is) and its code."""

    def __init__(
        self, field: str | None, message: str, status: int = 400, code: str = BAD_USER_INPUT
    ) -> None:
        super().__init__(status, message)
        self.field = field
        self.code = code


def decode_json(data: str | bytes, field: str) -> object:
    """JSON as orjson reads it: invalid UTF-8, lone surrogates (``"\\ud800"``) and nesting
    past 1,024 levels are refused as malformed, before anything else sees them."""
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError as error:
        raise RequestRefused(field, f"'{field}' is not valid JSON: {error}") from None


def refusal_response(refused: HTTPException) -> Response:
    if isinstance(refused, RequestRefused):
        response = error_response(
            refused.status_code, refused.reason, code=refused.code, field=refused.field
        )
    else:
        code = NOT_FOUND if refused.status_code == 404 else BAD_USER_INPUT
        response = error_response(refused.status_code, refused.reason, code=code)
    if refused.status_code == 405:  # a mutation sent with GET
        response.headers["allow"] = "POST"
    return response
