"""Files attached to CRM records, tasks, feed posts and comments: the row says whose file it
is and where its bytes are kept (``storage_key``, random, in the file store)."""

from __future__ import annotations

import enum

from sqlalchemy import BigInteger, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, BigId, CreatedAt, IntPk


class OwnerKind(enum.Enum):
    """What an attachment belongs to; with ``owner_id`` it names one row (no foreign key:
    the owner's own deletion removes its attachments)."""

    LEAD = "LEAD"
    CONTACT = "CONTACT"
    COMPANY = "COMPANY"
    DEAL = "DEAL"
    TASK = "TASK"
    POST = "POST"
    COMMENT = "COMMENT"


class Attachment(Base):
    __tablename__ = "attachments"

    id: Mapped[IntPk]
    owner_kind: Mapped[str] = mapped_column(String(16))
    owner_id: Mapped[int] = mapped_column(BigId)
    file_name: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(255))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    storage_key: Mapped[str] = mapped_column(String(128), unique=True)
    uploaded_by_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("users.id", ondelete="RESTRICT"), index=True
    )
    created_at: Mapped[CreatedAt]

    __table_args__ = (Index("ix_attachments_owner", "owner_kind", "owner_id", "id"),)
