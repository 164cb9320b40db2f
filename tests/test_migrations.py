"""The migrations build the schema of the models, and undo it, on a scratch database."""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection

from crmhub.migrate import downgrade, upgrade
from models import Base
from tests.database import engine_for, scratch_database


def _tables(connection: Connection) -> set[str]:
    return set(inspect(connection).get_table_names()) - {"alembic_version"}


async def test_upgrade_to_head_then_downgrade_to_base(tmp_path: Path) -> None:
    async with scratch_database(os.environ.get("CRMHUB_TEST_DATABASE_URL"), tmp_path) as url:
        engine = engine_for(url)
        try:
            await upgrade(engine)
            async with engine.connect() as connection:
                assert await connection.run_sync(_tables) == set(Base.metadata.tables)
                defaults = await connection.execute(
                    text("SELECT count(*) FROM crm_pipelines WHERE is_default")
                )
                assert defaults.scalar_one() == 1
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
