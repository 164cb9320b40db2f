"""GraphQL over HTTP as its specification has it, on top of the checked view.

- Media types: a client that prefers ``application/graphql-response+json`` (its ``Accept``
  names it with a quality at least that of ``application/json``) gets it, with the status
  codes that go with it: a request that fails before execution (a document that does not
  parse or validate, variables that do not coerce) is answered 400 without a ``data``
  entry. A client that asks for ``application/json``, or for nothing in particular, gets
  ``application/json`` and 200 for every GraphQL response, as before.
- A mutation sent with GET is answered 405 with ``Allow: POST``.
"""

from __future__ import annotations

from typing import Any

from cross_web import AsyncHTTPRequestAdapter, HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData
from strawberry.schema.exceptions import InvalidOperationTypeError
from strawberry.types import ExecutionResult
from strawberry.types.execution import PreExecutionError

from crmhub.http_errors import BAD_USER_INPUT, RequestRefused
from crmhub.http_input import CheckedGraphQL

GRAPHQL_RESPONSE = "application/graphql-response+json"
JSON = "application/json"
GRAPHQL_RESPONSE_CONTENT_TYPE = f"{GRAPHQL_RESPONSE}; charset=utf-8".encode()


def prefers_graphql_response(accept: str | None) -> bool:
    """Whether an ``Accept`` header asks for application/graphql-response+json rather than
    application/json (wildcards count for application/json, the older of the two)."""
    if not accept:
        return False
    graphql_response = json = 0.0
    for media_range in accept.split(","):
        media_type, *parameters = (part.strip() for part in media_range.split(";"))
        quality = _quality(parameters)
        if media_type.lower() == GRAPHQL_RESPONSE:
            graphql_response = max(graphql_response, quality)
        elif media_type.lower() in (JSON, "application/*", "*/*"):
            json = max(json, quality)
    return graphql_response > 0 and graphql_response >= json


def _quality(parameters: list[str]) -> float:
    for parameter in parameters:
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "q":
            try:
                return min(max(float(value), 0.0), 1.0)
            except ValueError:
                return 0.0
    return 1.0


def _prefers_graphql_response(request: Request) -> bool:
    return prefers_graphql_response(request.headers.get("accept"))


def is_request_error(result: ExecutionResult) -> bool:
    """Refused before execution began, as the client's mistake: nothing ran, so there is no
    data to speak of. A document that does not parse or validate is answered before
    execution; variables that do not coerce, by an execution that stops at once, with
    errors that name no field (a field's error has a path)."""
    if isinstance(result, PreExecutionError):
        return True
    errors = result.errors or []
    return (
        result.data is None
        and bool(errors)
        and all(
            error.path is None and (error.extensions or {}).get("code") == BAD_USER_INPUT
            for error in errors
        )
    )


class ConventionalGraphQL(CheckedGraphQL):
    async def execute_single(
        self,
        request: Request,
        request_adapter: AsyncHTTPRequestAdapter,
        sub_response: Response,
        context: Any,
        root_value: None,
        request_data: GraphQLRequestData,
    ) -> ExecutionResult:
        try:
            result = await super().execute_single(
                request, request_adapter, sub_response, context, root_value, request_data
            )
        except HTTPException as refused:
            if request_adapter.method == "GET" and isinstance(
                refused.__cause__, InvalidOperationTypeError
            ):
                raise RequestRefused(
                    "query", "A mutation must be sent with POST, not GET", status=405
                ) from refused
            raise
        if is_request_error(result) and _prefers_graphql_response(request):
            sub_response.status_code = 400
        return result

    async def process_result(
        self, request: Request, result: ExecutionResult
    ) -> GraphQLHTTPResponse:
        response = await super().process_result(request, result)
        if is_request_error(result) and _prefers_graphql_response(request):
            response.pop("data", None)
        return response


class GraphQLResponseMediaType:
    """Labels a JSON answer ``application/graphql-response+json`` for a client that prefers
    it: the view's answers and the refusals made before it (body limits) alike. Every
    answer says it varies with ``Accept``, for caches in between."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        accept = b",".join(value for name, value in scope["headers"] if name == b"accept")
        relabel = prefers_graphql_response(accept.decode("latin-1"))

        async def relabelled(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                if relabel:
                    headers = _relabelled(headers)
                message = {**message, "headers": [*headers, (b"vary", b"accept")]}
            await send(message)

        await self.app(scope, receive, relabelled)


def _relabelled(headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    return [
        (name, GRAPHQL_RESPONSE_CONTENT_TYPE)
        if name.lower() == b"content-type" and value.startswith(JSON.encode())
        else (name, value)
        for name, value in headers
    ]
