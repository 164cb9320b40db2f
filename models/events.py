"""The event log (transactional outbox): one row per change, numbered in commit order."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, BigId, UtcDateTime, utcnow


class Event(Base):
    __tablename__ = "events"

    # Assigned under a lock that serialises event writers (see subscriptions/events.py), so
    # seq order is commit order and a reader that saw seq N will never later see a smaller one.
    seq: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(40))
    actor_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("users.id", ondelete="SET NULL"))
    subject_type: Mapped[str] = mapped_column(String(16))
    subject_id: Mapped[int] = mapped_column(BigId)
    # The record whose visibility governs who sees the event: a comment's post or task.
    scope_type: Mapped[str] = mapped_column(String(16))
    scope_id: Mapped[int] = mapped_column(BigId)
    # {field: [old, new]}
    changes: Mapped[dict[str, Any]] = mapped_column(JSON)
    # What a subscriber needs to decide visibility in memory, without a query.
    envelope: Mapped[dict[str, Any]] = mapped_column(JSON)
    occurred_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    # Written by an automation rule's actions: how many rules deep the chain that led here
    # is (1 for a rule run on a person's change). None: a person's (or the system's) change.
    automation_depth: Mapped[int | None] = mapped_column(default=None)

    __table_args__ = (
        Index("ix_events_scope", "scope_type", "scope_id"),
        Index("ix_events_kind_seq", "kind", "seq"),
    )
