"""Live-feed posts: addressed to everyone, departments or users; liked and commented on."""

from __future__ import annotations

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, BigId, CreatedAt, IntPk, UpdatedAt


class Post(Base):
    __tablename__ = "posts"

    id: Mapped[IntPk]
    author_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id", ondelete="RESTRICT"))
    title: Mapped[str] = mapped_column(String(255), default="")
    body: Mapped[str] = mapped_column(Text)
    important: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[CreatedAt]
    updated_at: Mapped[UpdatedAt]

    __table_args__ = (
        Index("ix_posts_author_id", "author_id"),
        Index("ix_posts_created_at_id", "created_at", "id"),
    )


class PostRecipient(Base):
    """One addressee of a post: everyone (ALL), a department and its subtree, or a user."""

    __tablename__ = "post_recipients"

    id: Mapped[IntPk]
    post_id: Mapped[int] = mapped_column(BigId, ForeignKey("posts.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    department_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("departments.id", ondelete="CASCADE")
    )
    user_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("users.id", ondelete="CASCADE"))

    __table_args__ = (
        Index("ix_post_recipients_post_id", "post_id"),
        Index("ix_post_recipients_department_id", "department_id"),
        Index("ix_post_recipients_user_id", "user_id"),
        CheckConstraint(
            "(kind = 'ALL' AND department_id IS NULL AND user_id IS NULL)"
            " OR (kind = 'DEPARTMENT' AND department_id IS NOT NULL AND user_id IS NULL)"
            " OR (kind = 'USER' AND user_id IS NOT NULL AND department_id IS NULL)",
            name="kind_matches_target",
        ),
    )


class PostLike(Base):
    __tablename__ = "post_likes"

    post_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    created_at: Mapped[CreatedAt]

    __table_args__ = (Index("ix_post_likes_user_id", "user_id"),)
