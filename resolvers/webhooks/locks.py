"""Deleting a webhook waits for a send to it already under way (PostgreSQL).

A sender holds a shared advisory lock on the webhook for the time of one request, and
``deleteWebhook`` takes it exclusively: the delete waits for sends in flight, and a sender
that comes after it finds the webhook gone. Advisory, not a row lock, so that sending never
blocks the dispatcher, which locks the webhook's row to advance its cursor. SQLite has one
writer and, in practice, one process: its senders re-check the webhook right before sending.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

# The two-key form of advisory locks: this class (any constant of ours), the webhook's id.
WEBHOOK_LOCK_CLASS = 0x77686B


async def hold_for_sending(session: AsyncSession, webhook_id: int) -> None:
    """Until the session's transaction ends, the webhook cannot be deleted."""
    if session.bind.dialect.name == "postgresql":
        await session.execute(
            text("SELECT pg_advisory_xact_lock_shared(:class, :id)"),
            {"class": WEBHOOK_LOCK_CLASS, "id": webhook_id},
        )


async def hold_against_sending(session: AsyncSession, webhook_id: int) -> None:
    """Waits for the webhook's sends in flight; none starts until the transaction ends."""
    if session.bind.dialect.name == "postgresql":
        await session.execute(
            text("SELECT pg_advisory_xact_lock(:class, :id)"),
            {"class": WEBHOOK_LOCK_CLASS, "id": webhook_id},
        )
