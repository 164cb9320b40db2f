"""Migration 0006_rule_scopes keeps the meaning of existing rules, and its downgrade keeps
what a status id can express."""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from crmhub.migrate import downgrade, upgrade
from tests.database import engine_for, scratch_database

BEFORE = "0004_access"


async def _rows(engine: AsyncEngine, sql: str) -> set[tuple[object, ...]]:
    async with engine.connect() as connection:
        return {tuple(row) for row in (await connection.execute(text(sql))).all()}


async def test_status_rows_become_status_scopes_and_come_back(tmp_path: Path) -> None:
    async with scratch_database(os.environ.get("CRMHUB_TEST_DATABASE_URL"), tmp_path) as url:
        engine = engine_for(url)
        try:
            await upgrade(engine, BEFORE)
            async with engine.begin() as connection:
                await connection.execute(
                    text("INSERT INTO roles (id, name, description) VALUES (1, 'Intern', '')")
                )
                await connection.execute(
                    text(
                        "INSERT INTO role_permissions (role_id, entity, action, status_id, level)"
                        " VALUES (1, 'DEAL', 'READ', 0, 'OWN'), (1, 'DEAL', 'READ', 5, 'NONE')"
                    )
                )
                await connection.execute(
                    text(
                        "INSERT INTO field_rules (role_id, entity, field, status_id, rule)"
                        " VALUES (1, 'DEAL', 'amount', 0, 'HIDDEN'),"
                        " (1, 'DEAL', 'amount', 12, 'READ_ONLY')"
                    )
                )

            await upgrade(engine)

            assert await _rows(engine, "SELECT scope, level FROM role_permissions") == {
                ("ANY", "OWN"),
                ("STATUS:5", "NONE"),
            }
            assert await _rows(engine, "SELECT scope, rule FROM field_rules") == {
                ("ANY", "HIDDEN"),
                ("STATUS:12", "READ_ONLY"),
            }
            async with engine.begin() as connection:
                await connection.execute(
                    text(
                        "INSERT INTO role_permissions (role_id, entity, action, scope, level)"
                        " VALUES (1, 'DEAL', 'READ', 'SEMANTICS:SUCCESS', 'NONE'),"
                        " (1, 'DEAL', 'UPDATE', 'PIPELINE:3', 'OWN')"
                    )
                )

            await downgrade(engine, BEFORE)

            assert await _rows(engine, "SELECT status_id, level FROM role_permissions") == {
                (0, "OWN"),
                (5, "NONE"),
            }
            assert await _rows(engine, "SELECT status_id, rule FROM field_rules") == {
                (0, "HIDDEN"),
                (12, "READ_ONLY"),
            }
        finally:
            await engine.dispose()
