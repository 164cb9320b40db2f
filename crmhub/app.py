"""The ASGI application: GraphQL on /graphql, health and readiness probes."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta
from typing import Any

import orjson
from cross_web import AsyncHTTPRequestAdapter, HTTPException
from sqlalchemy import text
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route, WebSocketRoute
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.http import GraphQLRequestData
from strawberry.http.parse_content_type import parse_content_type
from strawberry.types.unset import UnsetType

from crmhub.database import create_engine, create_session_factory
from crmhub.http_input import graphql_query, graphql_request, refusal_response
from crmhub.http_limits import BodyLimit
from crmhub.settings import Settings
from crmhub.websocket import LegacyWSHandler, TransportWSHandler, frames_of
from crmhub.ws_limits import CONNECTING, SocketLimits
from crmhub.ws_messages import CheckedWebSocketAdapter
from resolvers.context import AuthConfig, Services
from resolvers.errors import DATABASE_UNREACHABLE, UNAVAILABLE_MESSAGE
from resolvers.sessions import viewer_for_token
from schema import ConnectionInfo, build_schema
from schema.sharing import dump_json
from subscriptions.bus import Bus
from subscriptions.realtime import Realtime

log = logging.getLogger(__name__)

READINESS_TIMEOUT_SECONDS = 2.0
UNAUTHENTICATED_SOCKET = 'Log in first: send {"authorization": "Bearer <token>"} in connection_init'


class CrmGraphQL(GraphQL[ConnectionInfo, None]):
    # They tell each operation its messages' prefix, for the express lane.
    graphql_transport_ws_handler_class = TransportWSHandler
    graphql_ws_handler_class = LegacyWSHandler
    websocket_adapter_class = CheckedWebSocketAdapter

    def __init__(self, services: Services, socket_limits: SocketLimits, **options: Any) -> None:
        super().__init__(build_schema(), **options)
        self.services = services
        self.socket_limits = socket_limits

    async def get_context(self, request: Request | WebSocket, response: Any) -> ConnectionInfo:
        return ConnectionInfo(
            services=self.services,
            authorization=request.headers.get("authorization"),
            client_address=request.client.host if request.client else "unknown",
            close=_closer(request) if isinstance(request, WebSocket) else None,
            frames=frames_of(request.scope) if isinstance(request, WebSocket) else None,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        # As Strawberry's, but a refusal is a coded GraphQL error, not plain text.
        try:
            response = await self.run(Request(scope, receive))
        except HTTPException as refused:
            response = refusal_response(refused)
        await response(scope, receive, send)

    async def parse_http_body(
        self, request: AsyncHTTPRequestAdapter
    ) -> GraphQLRequestData | list[GraphQLRequestData]:
        content_type, _ = parse_content_type(request.content_type or "")
        if request.method == "GET":
            return graphql_query(request.query_params)
        if request.method == "POST" and content_type == "application/json":
            return graphql_request(await request.get_body())
        return await super().parse_http_body(request)  # refuses other content types

    def decode_json(self, data: str | bytes) -> object:
        # orjson refuses lone surrogates, invalid UTF-8 and nesting past 1,024 levels as
        # malformed JSON, which the stdlib's json accepts (or overflows the stack on).
        return orjson.loads(data)

    def encode_json(self, data: object) -> str:
        # orjson: several times faster than the stdlib's json on a page of results. Text,
        # not bytes: Strawberry sends bytes on a websocket as binary frames, which
        # graphql-transport-ws clients refuse.
        return dump_json(data).decode()

    async def on_ws_connect(self, context: ConnectionInfo) -> UnsetType | dict[str, object] | None:
        token = context.raw_token
        try:
            viewer = None if token is None else await viewer_for_token(self.services, token)
        except DATABASE_UNREACHABLE as error:
            # Refused, not crashed: the client is told why (legacy graphql-ws shows the
            # payload; graphql-transport-ws the message as its 4403 close reason) and may retry.
            log.warning("connection_init refused, database unreachable: %r", error)
            raise ConnectionRejectionError(
                {"code": "SERVICE_UNAVAILABLE", "message": UNAVAILABLE_MESSAGE}
            ) from error
        if viewer is None:
            raise ConnectionRejectionError(
                {"code": "UNAUTHENTICATED", "message": UNAUTHENTICATED_SOCKET}
            )
        socket = CONNECTING.get()
        if socket is not None:
            refusal = self.socket_limits.admit(socket, viewer.user_id)
            if refusal is not None:
                raise ConnectionRejectionError({"code": refusal.code, "message": refusal.message})
            if viewer.token_expires_at is not None and context.close is not None:
                socket.close_at(viewer.token_expires_at, context.close)
        return await super().on_ws_connect(context)


def _closer(websocket: WebSocket) -> Callable[[int, str], Awaitable[None]]:
    async def close(code: int, reason: str) -> None:
        with contextlib.suppress(RuntimeError):  # already closed
            await websocket.close(code=code, reason=reason)

    return close


def auth_config(settings: Settings) -> AuthConfig:
    return AuthConfig(
        token_secret=settings.token_secret,
        token_ttl=timedelta(hours=settings.token_ttl_hours),
        login_failures_per_email=settings.login_failures_per_email,
        login_failures_per_address=settings.login_failures_per_address,
        login_failure_window=timedelta(seconds=settings.login_failure_window_seconds),
    )


def create_app(settings: Settings | None = None) -> Starlette:
    settings = settings or Settings()
    engine = create_engine(settings.database_url, pool_size=settings.pool_size)
    bus = Bus(settings.broadcast_url)
    session_factory = create_session_factory(engine, bus)
    realtime = Realtime(session_factory, bus)
    services = Services(
        session_factory=session_factory, auth=auth_config(settings), realtime=realtime
    )
    socket_limits = SocketLimits(
        sockets_per_user=settings.max_websockets_per_user,
        operations_per_user=settings.max_subscriptions_per_user,
        per_socket=settings.max_subscriptions_per_connection,
    )
    graphql = CrmGraphQL(
        services,
        socket_limits,
        connection_init_wait_timeout=timedelta(seconds=settings.connection_init_timeout_seconds),
        max_subscriptions_per_connection=settings.max_subscriptions_per_connection,
    )

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        await realtime.start()
        # Everything built so far (schema, modules, engine) lives as long as the process:
        # move it out of the collector's generations so that collections stop walking it.
        gc.collect()
        gc.freeze()
        try:
            yield
        finally:
            await realtime.stop()
            await engine.dispose()

    async def healthz(_request: Request) -> JSONResponse:
        return JSONResponse({"status": "ok"})

    async def readyz(_request: Request) -> JSONResponse:
        checks = {"database": await _database_reachable(services), "bus": await bus.is_reachable()}
        return JSONResponse(
            {"status": "ok" if all(checks.values()) else "unavailable", "checks": checks},
            status_code=200 if all(checks.values()) else 503,
        )

    graphql_over_http = BodyLimit(
        graphql, max_bytes=settings.max_body_bytes, timeout=settings.body_timeout_seconds
    )
    app = Starlette(
        routes=[
            Route("/graphql", graphql_over_http, methods=["GET", "POST"]),
            WebSocketRoute("/graphql", graphql),
            Route("/healthz", healthz),
            Route("/readyz", readyz),
        ],
        lifespan=lifespan,
    )
    app.state.engine = engine
    app.state.services = services
    app.state.bus = bus
    app.state.realtime = realtime
    app.state.socket_limits = socket_limits
    return app


async def _database_reachable(services: Services) -> bool:
    async def ping() -> None:
        async with services.session_factory() as session:
            await session.execute(text("SELECT 1"))

    try:
        await asyncio.wait_for(ping(), READINESS_TIMEOUT_SECONDS)
        return True
    except Exception as error:
        log.warning("database unreachable: %s", error)
        return False
