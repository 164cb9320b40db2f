"""GraphQL over HTTP: the request (a POSTed body, a GET's query string) decoded and
checked before it runs, and every refusal answered as a coded GraphQL error with its HTTP
status, never a 500 or plain text. ``CheckedGraphQL`` is Strawberry's ASGI view with these
checks; the app's view (crmhub/app.py) builds on it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson
from cross_web import AsyncHTTPRequestAdapter, HTTPException
from starlette.requests import Request
from starlette.types import Receive, Scope, Send
from strawberry.asgi import GraphQL
from strawberry.http import GraphQLRequestData
from strawberry.http.base import BaseRequestProtocol
from strawberry.http.parse_content_type import parse_content_type

from crmhub.http_errors import RequestRefused, decode_json, refusal_response
from crmhub.http_uploads import UploadingRequestAdapter, multipart_request
from crmhub.persisted import PersistedQueries, PersistedQueryRefusal
from crmhub.request_shape import operation_problem
from schema import ConnectionInfo


class CheckedGraphQL(GraphQL[ConnectionInfo, None]):
    """Strawberry's ASGI GraphQL, with requests read by ``graphql_request`` and
    ``graphql_query``, their documents found by ``persisted_queries`` (when set) and
    refusals answered by ``refusal_response``."""

    persisted_queries: PersistedQueries | None = None
    request_adapter_class = UploadingRequestAdapter
    # Files a multipart request may carry (crmhub/http_uploads.py).
    max_upload_files = 10

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        # As Strawberry's, but a refusal is a coded GraphQL error, not plain text.
        request = Request(scope, receive)
        try:
            response = await self.run(request)
        except HTTPException as refused:
            response = refusal_response(refused)
        finally:
            await request.close()  # removes the temporary files of a multipart body
        await response(scope, receive, send)

    def should_render_graphql_ide(self, request: BaseRequestProtocol) -> bool:
        # A GET naming its document by persisted-query hash has no ``query`` either.
        has_extensions = request.query_params.get("extensions") is not None
        return not has_extensions and super().should_render_graphql_ide(request)

    async def parse_http_body(
        self, request: AsyncHTTPRequestAdapter
    ) -> GraphQLRequestData | list[GraphQLRequestData]:
        content_type, _ = parse_content_type(request.content_type or "")
        if request.method == "GET":
            return await self.with_document(graphql_query(request.query_params))
        if request.method == "POST" and content_type == "application/json":
            return await self.with_document(graphql_request(await request.get_body()))
        if request.method == "POST" and content_type == "multipart/form-data":
            assert isinstance(request, UploadingRequestAdapter)
            data = await multipart_request(request, max_files=self.max_upload_files)
            return await self.with_document(data)
        return await super().parse_http_body(request)  # refuses other content types

    async def with_document(self, data: dict[str, Any]) -> GraphQLRequestData:
        """The checked request, its document found by its persisted-query hash if it has one."""
        if self.persisted_queries is not None:
            try:
                data = dict(await self.persisted_queries.resolve(data))
            except PersistedQueryRefusal as refused:
                raise RequestRefused(
                    refused.field, refused.message, refused.status, refused.code
                ) from None
        return checked(data)

    def decode_json(self, data: str | bytes) -> object:
        # orjson refuses lone surrogates, invalid UTF-8 and nesting past 1,024 levels as
        # malformed JSON, which the stdlib's json accepts (or overflows the stack on).
        return orjson.loads(data)


def graphql_request(body: bytes) -> dict[str, Any]:
    """A POSTed JSON body as one GraphQL request (batches are not served), unchecked."""
    data = decode_json(body, "body")
    if not isinstance(data, dict):
        raise RequestRefused("body", 'The request body must be a JSON object: {"query": …}')
    return data


def graphql_query(params: Mapping[str, object]) -> dict[str, Any]:
    """A GET request's query string as one GraphQL request, unchecked."""
    data: dict[str, Any] = dict(params)
    for name in ("variables", "extensions"):
        value = data.get(name)
        if isinstance(value, str) and value:
            data[name] = decode_json(value, name)
        elif value == "":
            data[name] = None
    return data


def checked(data: dict[str, Any]) -> GraphQLRequestData:
    """The request Strawberry runs, once each of its parts has the right shape."""
    problem = operation_problem(data)
    if problem is not None:
        raise RequestRefused(problem.field, problem.message)
    return GraphQLRequestData(
        query=data["query"],
        variables=data.get("variables"),
        operation_name=data.get("operationName"),
        extensions=data.get("extensions"),
        protocol="http",
    )
