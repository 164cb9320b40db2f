"""OpenTelemetry tracing of operations and SQL, off unless an exporter is configured.

``CRMHUB_TRACING_ENDPOINT`` (an OTLP/HTTP traces URL, ``http://collector:4318/v1/traces``)
turns it on: every GraphQL operation is a span, with its parsing, validation and resolvers
below it (Strawberry's ``OpenTelemetryExtension``), and every SQL statement a span below
the operation that ran it (opentelemetry-instrumentation-sqlalchemy). The packages are an
optional extra, ``pip install 'crmhub[tracing]'``, imported only when tracing is on.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncEngine
from strawberry.extensions import SchemaExtension

from crmhub.settings import Settings

if TYPE_CHECKING:
    from opentelemetry.sdk.trace import TracerProvider

SERVICE_NAME = "crmhub"


@dataclass(frozen=True)
class Tracing:
    # Factories of the schema extensions that trace operations.
    extensions: list[Callable[[], SchemaExtension]]
    # Flushes what is pending and stops tracing SQL (at the app's shutdown).
    stop: Callable[[], None]


def start_tracing(settings: Settings, engine: AsyncEngine) -> Tracing | None:
    """Tracing as ``settings`` configure it: None when no exporter is configured."""
    if not settings.tracing_endpoint:
        return None
    return trace_with(exporting_provider(settings.tracing_endpoint), engine)


def exporting_provider(endpoint: str) -> TracerProvider:
    try:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor
    except ImportError as missing:
        raise RuntimeError(
            "CRMHUB_TRACING_ENDPOINT is set but OpenTelemetry is not installed: "
            "pip install 'crmhub[tracing]'"
        ) from missing
    provider = TracerProvider(resource=Resource.create({"service.name": SERVICE_NAME}))
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=endpoint)))
    return provider


def trace_with(provider: TracerProvider, engine: AsyncEngine) -> Tracing:
    from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor
    from strawberry.extensions.tracing import OpenTelemetryExtension

    instrumentor = SQLAlchemyInstrumentor()
    instrumentor.instrument(engine=engine.sync_engine, tracer_provider=provider)

    def operation_spans() -> SchemaExtension:
        return OpenTelemetryExtension(tracer_provider=provider)

    def stop() -> None:
        instrumentor.uninstrument()
        provider.shutdown()

    return Tracing(extensions=[operation_spans], stop=stop)
