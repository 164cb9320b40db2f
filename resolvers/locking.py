"""One writer at a time per aggregate: the lock a command takes before it reads what it changes.

A command that reads an aggregate, decides from what it read and writes back (converting a
lead, moving a deal, changing a task's status, numbering a checklist item) must not decide
from a state another transaction is about to replace: the change history would record the
same old value twice, or a rule checked against that state would pass twice. Such a command
takes this lock first and reads after it, so concurrent commands on one aggregate run one
after the other and each sees the one before it; a command the new state no longer allows
answers CONFLICT like any other.

- PostgreSQL: ``SELECT … FOR UPDATE`` on the aggregate's row. Others wait for the commit;
  under READ COMMITTED their next statements then see it.
- SQLite has no row locks, and pysqlite opens its transaction only at the first write, so
  reads before it see no lock at all: ``BEGIN IMMEDIATE`` takes the database's one write lock
  (waiting up to the busy timeout) before anything is read. Readers are not blocked (WAL).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.orm import InstrumentedAttribute


async def lock_for_write(
    session: AsyncSession, key: InstrumentedAttribute[int], row_id: int
) -> None:
    """Holds the row whose primary ``key`` is ``row_id`` until the transaction ends. Call it
    before reading the aggregate; a missing row is not an error here (the read after says
    NOT_FOUND)."""
    connection = await session.connection()
    if connection.dialect.name == "sqlite":
        await _sqlite_write_lock(connection)
        return
    await session.execute(select(key).where(key == row_id).with_for_update())


async def _sqlite_write_lock(connection: AsyncConnection) -> None:
    raw = await connection.get_raw_connection()
    # A transaction pysqlite has open began with a write, which already holds the lock.
    if not raw.driver_connection.in_transaction:  # type: ignore[union-attr]
        await connection.exec_driver_sql("BEGIN IMMEDIATE")
