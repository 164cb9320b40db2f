"""Counting login attempts so that passwords cannot be guessed fast, nor an account locked by
a stranger.

Two counters per fixed window: one per (e-mail, client address) and one per client address
over every e-mail. An attempt is *reserved* (counted) before its password is checked, by one
conditional upsert per counter that adds one only while the counter is under its limit: the
database serialises the upserts of one counter (a row lock on PostgreSQL, the write lock on
SQLite), so however many attempts arrive at once, at most ``limit`` passwords are checked per
window. A failed attempt keeps its reservation; a successful one gives it back.

Failures from one address do not lock the account for its owner at another address: the
e-mail alone is never a key.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import case, delete, or_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.dml import ReturningInsert

from models import ANY_EMAIL, LoginThrottle, utcnow
from resolvers.context import AuthConfig

MAX_ADDRESS_LENGTH = 64


async def reserve_attempt(
    session: AsyncSession, email: str, client_address: str, config: AuthConfig
) -> bool:
    """Counts one attempt for ``email`` from ``client_address``; False, with nothing
    counted, when either counter is at its limit. The caller commits before checking the
    password, so that concurrent attempts see this one."""
    now = utcnow()
    since = now - config.login_failure_window
    address = client_address[:MAX_ADDRESS_LENGTH]
    # Finished windows are of no further use: prune them as we go.
    await session.execute(delete(LoginThrottle).where(LoginThrottle.window_started_at < since))
    dialect = (await session.connection()).dialect.name
    for email_key, limit in (
        (email, config.login_failures_per_email),
        (ANY_EMAIL, config.login_failures_per_address),
    ):
        counted = await session.execute(_count_one(dialect, email_key, address, limit, now, since))
        if counted.first() is None:
            await session.rollback()
            return False
    return True


async def forgive_attempt(session: AsyncSession, email: str, client_address: str) -> None:
    """The attempt succeeded: the e-mail's failures from this address are forgotten and the
    address's counter gets the reservation back (an office behind one address logs in all
    day). The caller commits."""
    address = client_address[:MAX_ADDRESS_LENGTH]
    await session.execute(
        delete(LoginThrottle).where(
            LoginThrottle.email == email, LoginThrottle.client_address == address
        )
    )
    await session.execute(
        update(LoginThrottle)
        .where(
            LoginThrottle.email == ANY_EMAIL,
            LoginThrottle.client_address == address,
            LoginThrottle.attempts > 0,
        )
        .values(attempts=LoginThrottle.attempts - 1)
    )


def _count_one(
    dialect: str, email: str, address: str, limit: int, now: datetime, since: datetime
) -> ReturningInsert[tuple[int]]:
    """INSERT … ON CONFLICT DO UPDATE … WHERE under the limit, RETURNING: a row comes back
    only if the attempt was counted. A window that has ended starts again at one."""
    ended = LoginThrottle.window_started_at < since
    values = {"email": email, "client_address": address, "attempts": 1, "window_started_at": now}
    key = [LoginThrottle.email, LoginThrottle.client_address]
    counted = {
        "attempts": case((ended, 1), else_=LoginThrottle.attempts + 1),
        "window_started_at": case((ended, now), else_=LoginThrottle.window_started_at),
    }
    under_limit = or_(ended, LoginThrottle.attempts < limit)
    if dialect == "postgresql":
        return (
            postgresql.insert(LoginThrottle)
            .values(values)
            .on_conflict_do_update(index_elements=key, set_=counted, where=under_limit)
            .returning(LoginThrottle.attempts)
        )
    return (
        sqlite.insert(LoginThrottle)
        .values(values)
        .on_conflict_do_update(index_elements=key, set_=counted, where=under_limit)
        .returning(LoginThrottle.attempts)
    )
