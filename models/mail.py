"""E-mail: templates, the outbox the worker sends from, mass mailings, unsubscribed addresses
and each user's choice of e-mail notifications."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, BigId, CreatedAt, IntPk, UpdatedAt, UtcDateTime
from models.crm.common import CrmEntity, enum_column


class MailTemplate(Base):
    """Subject and body as Jinja2 templates over the fields of one kind of record."""

    __tablename__ = "mail_templates"

    id: Mapped[IntPk]
    name: Mapped[str] = mapped_column(String(100))
    entity: Mapped[CrmEntity] = mapped_column(enum_column(CrmEntity))
    subject: Mapped[str] = mapped_column(String(500))
    body: Mapped[str] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[CreatedAt]
    updated_at: Mapped[UpdatedAt]


class Mailing(Base):
    """One mass send: the template, the filter that chose the records, and how it went."""

    __tablename__ = "mailings"

    id: Mapped[IntPk]
    template_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("mail_templates.id", ondelete="SET NULL")
    )
    entity: Mapped[CrmEntity] = mapped_column(enum_column(CrmEntity))
    # The list filter as given (resolvers/crm/filtering.py's Filter, as JSON): a record of
    # what was asked, never run again.
    filter: Mapped[dict[str, Any]] = mapped_column(JSON)
    author_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("users.id", ondelete="SET NULL")
    )
    queued: Mapped[int] = mapped_column(Integer, default=0)
    sent: Mapped[int] = mapped_column(Integer, default=0)
    failed: Mapped[int] = mapped_column(Integer, default=0)
    skipped_unsubscribed: Mapped[int] = mapped_column(Integer, default=0)
    skipped_no_address: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[CreatedAt]

    __table_args__ = (Index("ix_mailings_author_id_id", "author_id", "id"),)


# An outbox message's status.
QUEUED, SENT, FAILED = "QUEUED", "SENT", "FAILED"


class OutboxMessage(Base):
    """A message to send: QUEUED until the worker sends it (SENT) or gives up (FAILED)."""

    __tablename__ = "mail_outbox"

    id: Mapped[IntPk]
    recipient: Mapped[str] = mapped_column(String(255))
    subject: Mapped[str] = mapped_column(String(255))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(8))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # When the worker may take it next: due now, after a backoff, or once a claim lapses.
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime())
    last_error: Mapped[str | None] = mapped_column(String(500))
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    # The CRM record it was written to (its EMAIL activity goes there once sent); no foreign
    # key, the record may be of any CRM table.
    record_type: Mapped[CrmEntity | None] = mapped_column(enum_column(CrmEntity))
    record_id: Mapped[int | None] = mapped_column(BigInteger)
    mailing_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("mailings.id", ondelete="CASCADE")
    )
    # Who sent it; None for the hub's own notification mail.
    author_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("users.id", ondelete="SET NULL")
    )
    # The one-click unsubscribe address of a mass mail (its List-Unsubscribe header).
    unsubscribe_url: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[CreatedAt]

    __table_args__ = (
        Index("ix_mail_outbox_status_next_attempt_at", "status", "next_attempt_at"),
        Index("ix_mail_outbox_mailing_id", "mailing_id"),
        Index("ix_mail_outbox_author_id_id", "author_id", "id"),
    )


class Unsubscribe(Base):
    """An address's unsubscribe token (made with its first mass mail), and when it used it."""

    __tablename__ = "mail_unsubscribes"

    id: Mapped[IntPk]
    # Lower-cased, as communications normalise e-mails.
    address: Mapped[str] = mapped_column(String(255), unique=True)
    token: Mapped[str] = mapped_column(String(43), unique=True)
    unsubscribed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class MailPreference(Base):
    """A user's e-mail notifications: NONE, IMMEDIATE or DIGEST; no row is NONE."""

    __tablename__ = "mail_preferences"

    user_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    mode: Mapped[str] = mapped_column(String(16))
    # The digest covers unread notifications created after this (then it moves on).
    last_digest_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
