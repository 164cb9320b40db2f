"""The migrations build exactly the models' schema, step down revision by revision, and
come back up, on a scratch database of their own."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection

from crmhub.migrate import downgrade, upgrade
from models import Base
from tests.database import engine_for, scratch_database


def _differences(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, Base.metadata))


def _tables(connection: Connection) -> set[str]:
    return set(inspect(connection).get_table_names()) - {"alembic_version"}


async def test_upgrade_matches_the_models_and_every_step_comes_back_down(tmp_path: Path) -> None:
    async with scratch_database(os.environ.get("CRMHUB_TEST_DATABASE_URL"), tmp_path) as url:
        engine = engine_for(url)
        try:
            await upgrade(engine)
            async with engine.connect() as connection:
                assert await connection.run_sync(_differences) == []
                assert await connection.run_sync(_tables) == set(Base.metadata.tables)
                defaults = await connection.execute(
                    text("SELECT count(*) FROM crm_pipelines WHERE is_default")
                )
                assert defaults.scalar_one() == 1
            await downgrade(engine, "0002_crm")
            async with engine.connect() as connection:
                tables = await connection.run_sync(_tables)
                assert "events" not in tables
                assert "roles" not in tables
            await downgrade(engine, "0001_platform")
            async with engine.connect() as connection:
                tables = await connection.run_sync(_tables)
                assert not any(name.startswith("crm_") for name in tables)
                assert "users" in tables
            await downgrade(engine)
            async with engine.connect() as connection:
                assert await connection.run_sync(_tables) == set()
            await upgrade(engine)
        finally:
            await engine.dispose()
