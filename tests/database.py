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
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

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
    """Back to the state right after migrating: no rows but the default dictionaries."""
    tables = [table.name for table in reversed(Base.metadata.sorted_tables)]
    async with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            joined = ", ".join(f'"{name}"' for name in tables)
            await connection.execute(text(f"TRUNCATE {joined} RESTART IDENTITY CASCADE"))
        else:
            await connection.execute(text("PRAGMA defer_foreign_keys=ON"))
            for name in tables:
                await connection.execute(text(f'DELETE FROM "{name}"'))
            # Ids start again from 1, as PostgreSQL's RESTART IDENTITY does.
            await connection.execute(text("DELETE FROM sqlite_sequence"))
        await connection.run_sync(seed_default_dictionaries)


def engine_for(url: str) -> AsyncEngine:
    return create_engine(url, pool_size=2)
