"""The test database: SQLite in a temporary folder, or a scratch PostgreSQL database.

``CRMHUB_TEST_DATABASE_URL`` names the server to use; on PostgreSQL the suite creates a
database of its own there (``<name>_<random>``) and drops it at the end, so a run never
touches data it did not make.
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from sqlalchemy import make_url, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from crmhub.database import create_engine
from models import Base
from models.crm.defaults import seed_default_dictionaries


@asynccontextmanager
async def scratch_database(configured: str | None, folder: Path) -> AsyncIterator[str]:
    if not configured or configured.startswith("sqlite"):
        yield f"sqlite+aiosqlite:///{folder / 'crmhub-test.db'}"
        return
    server = make_url(configured)
    name = f"{server.database or 'crmhub'}_{secrets.token_hex(4)}"
    admin = create_async_engine(server.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as connection:
            await connection.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            yield server.set(database=name).render_as_string(hide_password=False)
        finally:
            async with admin.connect() as connection:
                await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        await admin.dispose()


async def empty_all_tables(engine: AsyncEngine) -> None:
    """Back to the state right after migrating: no rows but the default dictionaries, and ids
    starting again from 1."""
    async with engine.begin() as connection:
        await delete_all_rows(connection)
        await connection.run_sync(seed_default_dictionaries)


async def delete_all_rows(connection: AsyncConnection) -> None:
    """No rows in any table, and ids starting again from 1.

    Only the tables holding rows are emptied, by DELETE, children first: a test fills a few
    of the tables, and PostgreSQL's TRUNCATE costs a new file for every table named, which
    made emptying all of them a sixth of a test's time."""
    tables = [table.name for table in reversed(Base.metadata.sorted_tables)]
    filled = await _tables_with_rows(connection, tables)
    postgresql = connection.dialect.name == "postgresql"
    if not postgresql:
        await connection.execute(text("PRAGMA defer_foreign_keys=ON"))
    for name in filled:
        await connection.execute(text(f'DELETE FROM "{name}"'))
    if postgresql:
        await connection.execute(text(_RESTART_SEQUENCES))
    else:
        await connection.execute(text("DELETE FROM sqlite_sequence"))


_RESTART_SEQUENCES = """SELECT setval(c.oid, 1, false) FROM pg_class c
WHERE c.relkind = 'S' AND c.relnamespace = current_schema()::regnamespace"""


async def _tables_with_rows(connection: AsyncConnection, tables: list[str]) -> list[str]:
    """``tables`` that hold a row, in the order given; one statement for all of them."""
    probes = " UNION ALL ".join(
        f'SELECT {index} AS position WHERE EXISTS (SELECT 1 FROM "{name}")'
        for index, name in enumerate(tables)
    )
    positions = sorted((await connection.execute(text(probes))).scalars())
    return [tables[position] for position in positions]


def engine_for(url: str) -> AsyncEngine:
    return create_engine(url, pool_size=2)
