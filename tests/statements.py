"""Counting the SQL statements an operation runs, to catch N+1 before it ships."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from models import BACKGROUND_OPTION


@dataclass
class StatementLog:
    statements: list[str] = field(default_factory=list)
    parameters: list[Any] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.statements)


@contextmanager
def count_statements(engine: AsyncEngine, *, background: bool = False) -> Iterator[StatementLog]:
    """Every statement ``engine`` runs for requests inside the block (token lookup included)."""
    log = StatementLog()

    def record(
        _conn: Any, _cursor: Any, statement: str, parameters: Any, context: Any, _many: bool
    ) -> None:
        # The event pump reads in the background, for no request: not the operation's cost.
        in_background = context is not None and context.execution_options.get(BACKGROUND_OPTION)
        if background or not in_background:
            log.statements.append(statement)
            log.parameters.append(parameters)

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        yield log
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", record)
