"""Comments, on a feed post or on a task (exactly one of the two)."""

from __future__ import annotations

from sqlalchemy import CheckConstraint, ForeignKey, Index, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, BigId, CreatedAt, IntPk, UpdatedAt


class Comment(Base):
    __tablename__ = "comments"

    id: Mapped[IntPk]
    post_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("posts.id", ondelete="CASCADE"))
    task_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("tasks.id", ondelete="CASCADE"))
    author_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id", ondelete="RESTRICT"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[CreatedAt]
    updated_at: Mapped[UpdatedAt]

    __table_args__ = (
        Index("ix_comments_post_id_id", "post_id", "id"),
        Index("ix_comments_task_id_id", "task_id", "id"),
        CheckConstraint("(post_id IS NULL) <> (task_id IS NULL)", name="on_post_or_task"),
    )
