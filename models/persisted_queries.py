"""GraphQL documents registered under their SHA-256, for persisted queries: every app process
reads the same table, so a document registered through one is known to all."""

from __future__ import annotations

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, CreatedAt


class PersistedQuery(Base):
    __tablename__ = "persisted_queries"

    # Lower-case hex of the SHA-256 of the document's UTF-8 bytes, as Apollo clients send it.
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    document: Mapped[str] = mapped_column(Text)
    created_at: Mapped[CreatedAt]
