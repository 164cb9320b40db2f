"""API keys: bearer tokens for server-to-server clients, issued by an admin."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, BigId, CreatedAt, UtcDateTime

# The raw key reads "crmk_<12 hex>_<secret>"; "crmk_<12 hex>" is its shown prefix.
API_KEY_MARK = "crmk_"
# The expiry of a key's token when the key has none: tokens always have one.
NEVER = datetime(9999, 12, 31, tzinfo=UTC)


class ApiKey(Base):
    """A long-lived token with a name, an optional role it is limited to and its last use.

    The secret lives in ``auth_tokens`` like any login token's (hashed, revocable), so every
    check of a token is also the check of a key; this row says what the token is for.
    """

    __tablename__ = "api_keys"

    token_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("auth_tokens.id", ondelete="CASCADE"), primary_key=True
    )
    name: Mapped[str] = mapped_column(String(100))
    prefix: Mapped[str] = mapped_column(String(20), unique=True)
    # With a role, the key acts as its user holding that role only, never as an admin.
    role_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("roles.id", ondelete="CASCADE"), index=True
    )
    created_by_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[CreatedAt]
    last_used_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
