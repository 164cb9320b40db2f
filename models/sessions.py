"""Bearer tokens and the counted login attempts that throttle guessing."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, BigId, CreatedAt, IntPk, UtcDateTime


class AuthToken(Base):
    """An issued bearer token; only its keyed hash is stored, so a dump cannot be replayed."""

    __tablename__ = "auth_tokens"

    id: Mapped[IntPk]
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id", ondelete="CASCADE"))
    created_at: Mapped[CreatedAt]
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime())

    __table_args__ = (Index("ix_auth_tokens_user_id", "user_id"),)


class LoginThrottle(Base):
    """Login attempts counted in a fixed window, for one e-mail from one client address, or
    (with ``email`` ANY_EMAIL) for every e-mail from that address. An attempt is counted
    before its password is checked; kept in the database so every app process counts alike."""

    __tablename__ = "login_throttles"

    email: Mapped[str] = mapped_column(String(254), primary_key=True)
    client_address: Mapped[str] = mapped_column(String(64), primary_key=True)
    attempts: Mapped[int]
    window_started_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)


# The ``email`` of the row that counts every e-mail tried from one address.
ANY_EMAIL = ""
