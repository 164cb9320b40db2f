"""Outgoing webhooks: an admin's subscription of a URL to event kinds, and the durable log of
what is (to be) delivered to it, one row per event and webhook."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, BigId, CreatedAt, IntPk, UtcDateTime


class Webhook(Base):
    __tablename__ = "webhooks"

    id: Mapped[IntPk]
    url: Mapped[str] = mapped_column(String(2000))
    description: Mapped[str] = mapped_column(String(500), default="")
    # The EventKind values it is sent, as a JSON list.
    event_kinds: Mapped[list[str]] = mapped_column(JSON)
    # {"pipelineId": int, "responsibleId": int}, either optional (resolvers/webhooks/admin.py).
    filter: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Signs every request: kept as is, since signing needs it; the API shows it only once, in
    # createWebhook's answer.
    secret: Mapped[str] = mapped_column(String(100))
    # Deliveries carry only what this user may see, judged as their live subscriptions are.
    owner_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id", ondelete="CASCADE"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # The last event seq turned into deliveries (or skipped): each event is considered once.
    cursor_seq: Mapped[int] = mapped_column(BigId, default=0)
    # Deliveries given up in a row; at the configured limit the webhook is disabled.
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)
    disabled_reason: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[CreatedAt]


class WebhookDelivery(Base):
    """One event to send to one webhook: its body is fixed when the row is made, so every
    attempt sends the same bytes (only the signature's timestamp changes)."""

    __tablename__ = "webhook_deliveries"

    id: Mapped[IntPk]
    webhook_id: Mapped[int] = mapped_column(BigId, ForeignKey("webhooks.id", ondelete="CASCADE"))
    event_seq: Mapped[int] = mapped_column(BigId)
    event_kind: Mapped[str] = mapped_column(String(40))
    # "DEAL:12": deliveries of one subject go out in seq order, one at a time.
    subject_key: Mapped[str] = mapped_column(String(40))
    payload: Mapped[str] = mapped_column(Text)
    # PENDING (to send, or to retry), DELIVERED, FAILED (attempts exhausted).
    status: Mapped[str] = mapped_column(String(16), default="PENDING")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime())
    # A sender holds the row until then: another process does not send it meanwhile.
    lease_until: Mapped[datetime | None] = mapped_column(UtcDateTime())
    last_response_code: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(String(500))
    last_attempt_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    delivered_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    created_at: Mapped[CreatedAt]

    __table_args__ = (
        Index("ix_webhook_deliveries_status_next_attempt_at", "status", "next_attempt_at"),
        Index("ix_webhook_deliveries_webhook_id_subject_key", "webhook_id", "subject_key"),
        Index("ix_webhook_deliveries_webhook_id_id", "webhook_id", "id"),
    )
