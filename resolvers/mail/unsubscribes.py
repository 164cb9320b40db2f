"""Unsubscribing from mass mail: one unguessable token per address, made with its first mass
mail and carried by every later one; once used, mass mail skips the address for good."""

from __future__ import annotations

import secrets
from collections.abc import Sequence

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from models import SessionFactory, Unsubscribe, utcnow

CHUNK = 500


async def tokens_for(session: AsyncSession, addresses: Sequence[str]) -> dict[str, str]:
    """The token of each address still subscribed, made for those that have none; the
    unsubscribed are left out. Concurrent mailings to a new address agree on one token."""
    if not addresses:
        return {}
    dialect = session.bind.dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    found: dict[str, str] = {}
    for start in range(0, len(addresses), CHUNK):
        chunk = list(addresses[start : start + CHUNK])
        await session.execute(
            insert(Unsubscribe)
            .values([{"address": a, "token": secrets.token_urlsafe(32)} for a in chunk])
            .on_conflict_do_nothing(index_elements=[Unsubscribe.address])
        )
        rows = await session.execute(
            select(Unsubscribe.address, Unsubscribe.token).where(
                Unsubscribe.address.in_(chunk), Unsubscribe.unsubscribed_at.is_(None)
            )
        )
        found.update((address, token) for address, token in rows.tuples())
    return found


async def address_of(session_factory: SessionFactory, token: str) -> str | None:
    """The address a token stands for; None for an unknown token."""
    async with session_factory() as session:
        address: str | None = await session.scalar(
            select(Unsubscribe.address).where(Unsubscribe.token == token)
        )
        return address


async def unsubscribe(session_factory: SessionFactory, token: str) -> str | None:
    """Records the unsubscription (again: no change); the address, or None for an unknown
    token."""
    async with session_factory() as session:
        await session.execute(
            update(Unsubscribe)
            .where(Unsubscribe.token == token, Unsubscribe.unsubscribed_at.is_(None))
            .values(unsubscribed_at=utcnow())
        )
        address: str | None = await session.scalar(
            select(Unsubscribe.address).where(Unsubscribe.token == token)
        )
        await session.commit()
        return address
