"""The demo company of ``make run`` (``crmhub.demo.load_demo``), for tests that read it.

The loader runs once per test session and database; later tests get a copy of the rows it
made, written straight back into the emptied tables: loading through the resolvers costs
seconds, the copy a fraction of one. Tests of the loader itself call ``load_demo``.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Integer, delete, func, insert, select, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from crmhub.demo import load_demo
from crmhub.settings import Settings
from models import Base
from models.crm import DealTally
from models.crm.funnel_tallies import DealFunnelTally
from tests.database import delete_all_rows

Rows = dict[str, list[dict[str, Any]]]

_loaded: dict[str, Rows] = {}


async def demo_loaded(settings: Settings, engine: AsyncEngine) -> None:
    """The demo data in the (emptied) test database ``engine`` reaches."""
    if settings.database_url in _loaded:
        await _restore(engine, _loaded[settings.database_url])
    else:
        assert await load_demo(settings)
        _loaded[settings.database_url] = await _copy(engine)


async def _copy(engine: AsyncEngine) -> Rows:
    async with engine.connect() as connection:
        return {
            table.name: [dict(row) for row in (await connection.execute(select(table))).mappings()]
            for table in Base.metadata.sorted_tables
        }


async def _restore(engine: AsyncEngine, rows: Rows) -> None:
    async with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            # Departments and users refer to each other: no order of inserts satisfies both.
            await connection.execute(text("SET LOCAL session_replication_role = replica"))
        await delete_all_rows(connection)
        for table in Base.metadata.sorted_tables:
            if rows[table.name]:
                await connection.execute(table.insert(), rows[table.name])
        if engine.dialect.name == "postgresql":
            await _advance_sequences(connection)
        else:
            # SQLite's triggers fired on the inserts above (PostgreSQL's replica role keeps
            # them quiet): the summaries they keep counted the deals once more. As copied.
            for model in _KEPT_BY_TRIGGERS:
                await connection.execute(delete(model))
                if rows[model.__tablename__]:
                    await connection.execute(insert(model), rows[model.__tablename__])


# The tables database triggers keep in step with the deals.
_KEPT_BY_TRIGGERS = (DealTally, DealFunnelTally)


async def _advance_sequences(connection: AsyncConnection) -> None:
    """Keys inserted as copied leave the sequences behind: move them past the largest key."""
    for table in Base.metadata.sorted_tables:
        (key, *more) = table.primary_key.columns
        if more or not isinstance(key.type, Integer):
            continue
        sequence = await connection.scalar(
            text("SELECT pg_get_serial_sequence(:table, :column)"),
            {"table": f'"{table.name}"', "column": key.name},
        )
        largest = await connection.scalar(select(func.max(key)))
        if sequence is not None and largest is not None:
            await connection.execute(
                text("SELECT setval(:sequence, :largest)"),
                {"sequence": sequence, "largest": largest},
            )
