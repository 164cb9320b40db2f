"""The async engine: SQLite in WAL mode for the embedded default, asyncpg in production."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine

from models import SessionFactory
from resolvers.compiled.json_sql import (
    SQLITE_BASE64URL_FUNCTION,
    SQLITE_GLOBAL_ID_FUNCTION,
    sqlite_base64url,
    sqlite_global_id,
)
from resolvers.reports.periods import SQLITE_PERIOD_FUNCTION, local_period_start
from subscriptions.bus import Bus
from subscriptions.publisher import BUS_INFO_KEY

# Connections older than this are replaced at checkout; this takes over from pre-ping the
# job of not using connections a server or proxy may have closed while idle.
POOL_RECYCLE_SECONDS = 1800


def create_engine(database_url: str, *, pool_size: int = 10) -> AsyncEngine:
    if database_url.startswith("sqlite"):
        engine = create_async_engine(database_url, connect_args={"timeout": 30})
        event.listen(engine.sync_engine, "connect", _configure_sqlite)
        return engine
    # No pool_pre_ping: it cost three round trips per checkout (7.6% of the hub's CPU in the
    # phase-1 profile). A connection that died anyway fails its request with asyncpg's error,
    # and the pool discards it.
    return create_async_engine(
        database_url,
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_recycle=POOL_RECYCLE_SECONDS,
    )


def create_session_factory(engine: AsyncEngine, bus: Bus | None = None) -> SessionFactory:
    """Sessions that, given the bus, announce the events they commit (subscriptions.publisher)."""
    info = {BUS_INFO_KEY: bus} if bus is not None else {}
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False, info=info)


def _configure_sqlite(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets readers proceed while the single writer commits; the busy timeout makes a
    # second writer wait instead of failing with "database is locked".
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
    # Reports bucket timestamps by local period; SQLite has no time zones of its own.
    dbapi_connection.create_function(
        SQLITE_PERIOD_FUNCTION, 3, local_period_start, deterministic=True
    )
    # Compiled reads build Relay IDs and cursors in SQL; SQLite has no base64 of its own.
    dbapi_connection.create_function(
        SQLITE_GLOBAL_ID_FUNCTION, 2, sqlite_global_id, deterministic=True
    )
    dbapi_connection.create_function(
        SQLITE_BASE64URL_FUNCTION, 1, sqlite_base64url, deterministic=True
    )
