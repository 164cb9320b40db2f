"""The migrations build exactly the models' schema, step down revision by revision, and
come back up, on a scratch database of their own."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
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


async def test_sqlite_ids_are_never_reused_and_the_rebuild_keeps_every_row(
    tmp_path: Path,
) -> None:
    if (os.environ.get("CRMHUB_TEST_DATABASE_URL") or "sqlite").startswith("postgresql"):
        pytest.skip("PostgreSQL's identity columns never reuse a value")
    engine = engine_for(f"sqlite+aiosqlite:///{tmp_path / 'ids.db'}")
    try:
        await upgrade(engine, "0004_access")
        async with engine.begin() as connection:
            for statement in (
                "INSERT INTO users (id, email, name, position, is_admin, active, password_hash)"
                " VALUES (1, 'a@example.com', 'A', '', 1, 1, 'x')",
                "INSERT INTO posts (id, author_id, title, body, important)"
                " VALUES (5, 1, '', 'b', 0)",
                "INSERT INTO comments (id, post_id, author_id, body) VALUES (3, 5, 1, 'c')",
                # The feed still names post 9, deleted before the upgrade.
                "INSERT INTO events (kind, subject_type, subject_id, scope_type, scope_id,"
                " changes, envelope, occurred_at)"
                " VALUES ('POST_CREATED', 'POST', 9, 'POST', 9, '{}', '{}', '2026-01-01')",
            ):
                await connection.execute(text(statement))
        await upgrade(engine)
        async with engine.begin() as connection:
            # Rebuilding the posts table cascaded to nothing: the comment is still there.
            comments = await connection.execute(text("SELECT id, post_id FROM comments"))
            assert [tuple(row) for row in comments] == [(3, 5)]
            tables = await connection.execute(
                text("SELECT name, sql FROM sqlite_master WHERE type = 'table'")
            )
            keyed_by_id = {name: sql for name, sql in tables if "id INTEGER NOT NULL" in sql}
            assert keyed_by_id
            for name, table in Base.metadata.tables.items():
                keys = list(table.primary_key.columns)
                # Ids are integer keys; a key by value (a document's hash) or one borrowed
                # from another table's row (an API key's token) is never handed out here.
                if len(keys) == 1 and keys[0].type.python_type is int and not keys[0].foreign_keys:
                    assert "AUTOINCREMENT" in keyed_by_id.get(name, table.name + "?"), name
            await connection.execute(text("DELETE FROM comments WHERE id = 3"))
            await connection.execute(
                text("INSERT INTO posts (author_id, title, body, important) VALUES (1, '', 'n', 0)")
            )
            await connection.execute(
                text("INSERT INTO comments (post_id, author_id, body) VALUES (5, 1, 'again')")
            )
            posts = await connection.execute(text("SELECT max(id) FROM posts"))
            assert posts.scalar_one() == 10  # past the post the feed still names
            again = await connection.execute(text("SELECT id FROM comments"))
            assert again.scalar_one() == 4  # not the deleted comment's 3
    finally:
        await engine.dispose()
