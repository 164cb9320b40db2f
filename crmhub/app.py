"""The ASGI application: GraphQL (and GraphiQL) on /graphql, the dashboard on /, health and
readiness probes."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta
from typing import Any

from sqlalchemy import text
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.websockets import WebSocket
from strawberry.exceptions import ConnectionRejectionError
from strawberry.schema.base import BaseSchema
from strawberry.types.unset import UnsetType

from auth.tokens import API_KEY_HEADER, as_bearer
from crmhub.automation import automation_loop
from crmhub.cors import cors_middleware
from crmhub.database import create_engine, create_session_factory
from crmhub.exports import export_routes
from crmhub.files import file_routes
from crmhub.forms import form_routes
from crmhub.http_conventions import ConventionalGraphQL, GraphQLResponseMediaType
from crmhub.http_limits import BodyLimit
from crmhub.imports import ImportWorker
from crmhub.instrumentation import CountedBus, instrument_engine, observe_hub
from crmhub.mail import mail_config, mail_worker, unsubscribe_routes
from crmhub.metrics import HttpMetrics, metrics_endpoint, process_exited
from crmhub.observed_operations import ObservedOperation
from crmhub.overdue_tasks import overdue_task_scan
from crmhub.persisted import PersistedQueries
from crmhub.request_log import RequestIds
from crmhub.settings import Settings
from crmhub.tracing import Tracing, start_tracing
from crmhub.web import graphiql_page, web_routes
from crmhub.webhook_worker import WebhookWorker
from crmhub.websocket import LegacyWSHandler, TransportWSHandler, frames_of
from crmhub.ws_limits import CONNECTING, SocketLimits
from crmhub.ws_messages import CheckedWebSocketAdapter
from models import SessionFactory
from resolvers.compiled.config import CompiledReadsConfig, CompiledReadsMode
from resolvers.context import AuthConfig, Services
from resolvers.crm.export_config import ExportConfig
from resolvers.errors import DATABASE_UNREACHABLE, UNAVAILABLE_MESSAGE
from resolvers.files.storage import FileConfig, store_for_url
from resolvers.imports.config import ImportConfig
from resolvers.sessions import viewer_for_token
from schema import ConnectionInfo, QueryLimits, build_schema
from schema.sharing import dump_json
from subscriptions.realtime import Realtime

log = logging.getLogger(__name__)

READINESS_TIMEOUT_SECONDS = 2.0
UNAUTHENTICATED_SOCKET = 'Log in first: send {"authorization": "Bearer <token>"} in connection_init'


class CrmGraphQL(ConventionalGraphQL):
    # They tell each operation its messages' prefix (for the express lane), check every
    # message and hold the socket's per-user limits (crmhub/websocket.py).
    graphql_transport_ws_handler_class = TransportWSHandler
    graphql_ws_handler_class = LegacyWSHandler
    # Strawberry types this as a factory of its own adapter class: ours is a subclass of it.
    websocket_adapter_class = CheckedWebSocketAdapter  # type: ignore[assignment]

    def __init__(
        self,
        services: Services,
        limits: QueryLimits,
        socket_limits: SocketLimits,
        *,
        tracing: Tracing | None = None,
        **options: Any,
    ) -> None:
        observers = [ObservedOperation, *(tracing.extensions if tracing else [])]
        super().__init__(build_schema(limits, observers=observers), **options)
        self.services = services
        self.socket_limits = socket_limits

    async def get_context(self, request: Request | WebSocket, response: Any) -> ConnectionInfo:
        return ConnectionInfo(
            services=self.services,
            authorization=request.headers.get("authorization")
            or as_bearer(request.headers.get(API_KEY_HEADER)),
            client_address=request.client.host if request.client else "unknown",
            close=_closer(request) if isinstance(request, WebSocket) else None,
            frames=frames_of(request.scope) if isinstance(request, WebSocket) else None,
        )

    async def render_graphql_ide(self, request: Request) -> Response:
        # Strawberry's page loads GraphiQL from a CDN: ours serves it from the hub.
        return graphiql_page()

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


def query_limits(settings: Settings) -> QueryLimits:
    return QueryLimits(
        max_depth=settings.query_max_depth,
        max_aliases=settings.query_max_aliases,
        max_selections=settings.query_max_selections,
        max_cost=settings.query_max_cost,
        max_list_items=settings.query_max_list_items,
        operation_timeout_seconds=settings.operation_timeout_seconds,
    )


def persisted_queries(
    settings: Settings, session_factory: SessionFactory, schema: BaseSchema
) -> PersistedQueries:
    # graphql-core's schema: a document is validated before it is registered.
    return PersistedQueries(
        session_factory,
        schema._schema,  # type: ignore[attr-defined]
        allow_list=settings.persisted_queries_allow_list,
        max_document_bytes=settings.persisted_query_max_bytes,
    )


def create_app(settings: Settings | None = None) -> Starlette:
    settings = settings or Settings()
    engine = create_engine(settings.database_url, pool_size=settings.pool_size)
    instrument_engine(engine)
    tracing = start_tracing(settings, engine)
    bus = CountedBus(settings.broadcast_url)
    session_factory = create_session_factory(engine, bus)
    realtime = Realtime(session_factory, bus)
    observe_hub(realtime.hub)
    services = Services(
        session_factory=session_factory,
        auth=auth_config(settings),
        realtime=realtime,
        mail=mail_config(settings),
        exports=ExportConfig(
            link_ttl=timedelta(seconds=settings.export_link_ttl_seconds),
            chunk_rows=settings.export_chunk_rows,
            public_base_url=settings.public_base_url,
        ),
        bulk_max_records=settings.bulk_max_records,
        files=FileConfig(
            store=store_for_url(settings.storage_url, settings.database_url),
            link_ttl=timedelta(seconds=settings.file_link_ttl_seconds),
        ),
        imports=ImportConfig(
            max_bytes=min(settings.import_max_bytes, settings.max_upload_bytes),
            batch_rows=settings.import_batch_rows,
            lease_seconds=settings.import_lease_seconds,
            max_attempts=settings.import_max_attempts,
        ),
        compiled_reads=CompiledReadsConfig(CompiledReadsMode(settings.compiled_reads)),
    )
    imports = ImportWorker(services, settings.import_poll_seconds)
    webhooks = WebhookWorker(services, settings)
    realtime.pump.listeners.append(webhooks.wake)
    mail = mail_worker(session_factory, services.mail, settings.mail_poll_seconds)
    socket_limits = SocketLimits(
        sockets_per_user=settings.max_websockets_per_user,
        operations_per_user=settings.max_subscriptions_per_user,
        per_socket=settings.max_subscriptions_per_connection,
    )
    graphql = CrmGraphQL(
        services,
        query_limits(settings),
        socket_limits,
        tracing=tracing,
        connection_init_wait_timeout=timedelta(seconds=settings.connection_init_timeout_seconds),
        max_subscriptions_per_connection=settings.max_subscriptions_per_connection,
        allowed_origins=settings.cors_allow_origins,
    )
    graphql.persisted_queries = persisted_queries(settings, session_factory, graphql.schema)
    automation = automation_loop(
        services,
        poll_seconds=settings.automation_poll_seconds,
        depth_limit=settings.automation_depth_limit,
    )
    if settings.automation_enabled:
        realtime.pump.listeners.append(automation.wake)
    overdue_tasks = overdue_task_scan(
        session_factory, every_seconds=settings.task_overdue_check_seconds
    )

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        await realtime.start()
        await webhooks.start()
        if settings.automation_enabled:
            automation.start()
        if settings.task_overdue_check_seconds > 0:
            overdue_tasks.start()
        # Without an SMTP host nothing would be sent: messages wait in the outbox.
        if services.mail.smtp is not None:
            mail.start()
        if settings.import_worker_enabled:
            imports.start()
        # Everything built so far (schema, modules, engine) lives as long as the process:
        # move it out of the collector's generations so that collections stop walking it.
        gc.collect()
        gc.freeze()
        try:
            yield
        finally:
            await webhooks.stop()
            await imports.stop()
            await automation.stop()
            await overdue_tasks.stop()
            await mail.stop()
            await realtime.stop()
            await engine.dispose()
            process_exited()
            if tracing is not None:
                tracing.stop()

    async def healthz(_request: Request) -> JSONResponse:
        return JSONResponse({"status": "ok"})

    async def readyz(_request: Request) -> JSONResponse:
        checks = {"database": await _database_reachable(services), "bus": await bus.is_reachable()}
        return JSONResponse(
            {"status": "ok" if all(checks.values()) else "unavailable", "checks": checks},
            status_code=200 if all(checks.values()) else 503,
        )

    graphql.max_upload_files = settings.max_upload_files
    graphql_over_http = BodyLimit(
        graphql,
        max_bytes=settings.max_body_bytes,
        max_upload_bytes=settings.max_upload_bytes,
        timeout=settings.body_timeout_seconds,
    )
    routes: list[Route | WebSocketRoute | Mount] = [
        Route("/graphql", GraphQLResponseMediaType(graphql_over_http), methods=["GET", "POST"]),
        WebSocketRoute("/graphql", graphql),
        Route("/healthz", healthz),
        Route("/readyz", readyz),
        *form_routes(services, settings),
        *export_routes(services),
        *file_routes(services),
        *unsubscribe_routes(session_factory),
        *web_routes(),
    ]
    if settings.metrics_enabled:
        routes.append(Route("/metrics", metrics_endpoint))
    paths = frozenset(route.path for route in routes)
    app = Starlette(
        routes=routes,
        middleware=[
            Middleware(RequestIds),
            Middleware(HttpMetrics, routes=paths),
            *cors_middleware(settings),
        ],
        lifespan=lifespan,
    )
    app.state.engine = engine
    app.state.services = services
    app.state.bus = bus
    app.state.realtime = realtime
    app.state.webhooks = webhooks
    app.state.automation = automation
    app.state.imports = imports
    app.state.mail_worker = mail_worker
    app.state.socket_limits = socket_limits
    app.state.persisted_queries = graphql.persisted_queries
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
