"""The services a run needs: PostgreSQL and Redis on loopback, and a scratch database.

The benchmark never touches data it did not make: it creates ``crmhub_bench_<random>``,
migrates it with the project's own Alembic migrations and drops it at the end, even when the
run fails.
"""

from __future__ import annotations

import asyncio
import os
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import urlsplit

import asyncpg
from sqlalchemy import make_url

from crmhub.database import create_engine
from crmhub.migrate import upgrade

DEFAULT_POSTGRES_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
CONNECT_TIMEOUT_SECONDS = 5.0


class ServiceUnavailable(RuntimeError):
    """PostgreSQL or Redis cannot be reached: the benchmark cannot run at all."""


def postgres_server_url() -> str:
    """The server to make the scratch database on (its database part is ignored)."""
    return os.environ.get("CRMHUB_BENCH_DATABASE_URL", DEFAULT_POSTGRES_URL)


def redis_url() -> str:
    return os.environ.get("CRMHUB_BENCH_BROADCAST_URL", DEFAULT_REDIS_URL)


def asyncpg_dsn(sqlalchemy_url: str) -> str:
    """The same URL for asyncpg itself, which knows no ``+asyncpg`` driver suffix."""
    return make_url(sqlalchemy_url).set(drivername="postgresql").render_as_string(False)


async def check_postgres(server_url: str) -> None:
    try:
        connection = await asyncpg.connect(
            asyncpg_dsn(make_url(server_url).set(database="postgres").render_as_string(False)),
            timeout=CONNECT_TIMEOUT_SECONDS,
        )
    except (TimeoutError, OSError, asyncpg.PostgresError) as error:
        raise ServiceUnavailable(f"PostgreSQL unreachable at {server_url}: {error}") from error
    await connection.close()


async def check_redis(url: str) -> None:
    """A raw PING: the bench needs only to know the bus will come up in the server."""
    parsed = urlsplit(url)
    host, port = parsed.hostname or "127.0.0.1", parsed.port or 6379
    try:
        reader, writer = await asyncio.wait_for(
            asyncio.open_connection(host, port), CONNECT_TIMEOUT_SECONDS
        )
        writer.write(b"PING\r\n")
        await writer.drain()
        answer = await asyncio.wait_for(reader.readline(), CONNECT_TIMEOUT_SECONDS)
        writer.close()
        await writer.wait_closed()
    except (TimeoutError, OSError) as error:
        raise ServiceUnavailable(f"Redis unreachable at {url}: {error}") from error
    if not answer.startswith(b"+PONG"):
        raise ServiceUnavailable(f"Redis at {url} answered {answer!r} to PING")


@asynccontextmanager
async def scratch_database(server_url: str) -> AsyncIterator[str]:
    """A new, migrated database on ``server_url``; dropped on exit. Yields its SQLAlchemy URL."""
    server = make_url(server_url)
    name = f"crmhub_bench_{secrets.token_hex(4)}"
    admin_dsn = asyncpg_dsn(server.set(database="postgres").render_as_string(False))
    admin = await asyncpg.connect(admin_dsn, timeout=CONNECT_TIMEOUT_SECONDS)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        url = server.set(database=name).render_as_string(hide_password=False)
        try:
            engine = create_engine(url, pool_size=1)
            try:
                await upgrade(engine)
            finally:
                await engine.dispose()
            yield url
        finally:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()
