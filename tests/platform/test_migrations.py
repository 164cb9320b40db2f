"""The migrations build exactly the models' schema, and come down again cleanly."""

from __future__ import annotations

import os
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.engine import Connection

from crmhub.migrate import downgrade, upgrade
from models import Base
from tests.database import engine_for, scratch_database


def _differences(connection: Connection) -> list[object]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, Base.metadata))


def _tables(connection: Connection) -> set[str]:
    return set(inspect(connection).get_table_names()) - {"alembic_version"}


async def test_upgrade_to_head_matches_the_models_and_downgrade_empties(tmp_path: Path) -> None:
    async with scratch_database(os.environ.get("CRMHUB_TEST_DATABASE_URL"), tmp_path) as url:
        engine = engine_for(url)
        try:
            await upgrade(engine)
            async with engine.connect() as connection:
                assert await connection.run_sync(_differences) == []
                assert await connection.run_sync(_tables) == set(Base.metadata.tables)
            await downgrade(engine)
            async with engine.connect() as connection:
                assert await connection.run_sync(_tables) == set()
            await upgrade(engine)
        finally:
            await engine.dispose()
