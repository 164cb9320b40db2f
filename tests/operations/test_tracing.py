"""OpenTelemetry: off by default; when on, a span per operation with the SQL it ran below."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from sqlalchemy.ext.asyncio import AsyncEngine

from crmhub import tracing
from crmhub.app import create_app
from crmhub.settings import Settings
from tests.client import GraphQLClient
from tests.factories import Seed


def test_tracing_is_off_without_an_exporter(settings: Settings, engine: AsyncEngine) -> None:
    assert settings.tracing_endpoint == ""
    assert tracing.start_tracing(settings, engine) is None


@pytest.fixture
async def traced(
    settings: Settings, engine: AsyncEngine, seed: Seed, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[tuple[GraphQLClient, InMemorySpanExporter]]:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    # The configured exporter, kept in memory instead of sent to the (unused) endpoint.
    monkeypatch.setattr(tracing, "exporting_provider", lambda _endpoint: provider)
    configured = settings.model_copy(update={"tracing_endpoint": "http://127.0.0.1:9/v1/traces"})
    app = create_app(configured)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://crmhub.test") as http:
            yield GraphQLClient(http), exporter


async def test_an_operation_and_its_sql_are_spans(
    traced: tuple[GraphQLClient, InMemorySpanExporter],
) -> None:
    client, exporter = traced
    admin = client.as_user(await client.login("admin@example.com"))
    exporter.clear()
    await admin.data("query WhoAmI { viewer { email } }")
    spans = exporter.get_finished_spans()
    [operation] = [span for span in spans if "WhoAmI" in span.name]
    statements = [span for span in spans if span.attributes and "db.statement" in span.attributes]
    assert operation.context is not None
    # The resolvers' SQL belongs to the operation's trace (the token check before it,
    # outside the operation's span, is a trace of its own).
    resolved = [
        span
        for span in statements
        if span.context is not None and span.context.trace_id == operation.context.trace_id
    ]
    assert any("FROM users" in str((span.attributes or {})["db.statement"]) for span in resolved)
