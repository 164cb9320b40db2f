"""The store of persisted GraphQL documents, keyed by their SHA-256 (models/persisted_queries.py).

A document never changes under its hash, so registering one twice is harmless: the second
insert is ignored, whichever process makes it.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from models import PersistedQuery, SessionFactory


async def find_document(session_factory: SessionFactory, sha256: str) -> str | None:
    async with session_factory() as session:
        document: str | None = await session.scalar(
            select(PersistedQuery.document).where(PersistedQuery.sha256 == sha256)
        )
        return document


async def register_document(session_factory: SessionFactory, sha256: str, document: str) -> None:
    async with session_factory() as session:
        dialect = session.bind.dialect.name
        insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
        await session.execute(
            insert(PersistedQuery)
            .values(sha256=sha256, document=document)
            .on_conflict_do_nothing(index_elements=[PersistedQuery.sha256])
        )
        await session.commit()
