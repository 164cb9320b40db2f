"""Web forms that create leads: an admin defines which fields a public submission carries and
which lead fields they fill; every submission is logged (the form's rate limit counts it)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, BigId, CreatedAt, IntPk, UtcDateTime


class LeadForm(Base):
    __tablename__ = "lead_forms"

    id: Mapped[IntPk]
    name: Mapped[str] = mapped_column(String(100))
    # The public path segment (/forms/<key>): unguessable, so that only pages given it post.
    key: Mapped[str] = mapped_column(String(43), unique=True)
    # [{"name": form field, "leadField": a lead field, "required": bool}, ...]
    fields: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    # Leads are created in this user's rights, and belong to ``assigned_to_id`` (else to them).
    owner_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id", ondelete="CASCADE"))
    assigned_to_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("users.id", ondelete="SET NULL")
    )
    source_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("crm_lead_sources.id", ondelete="SET NULL")
    )
    # Routing (resolvers/routing.py): among this department's active users, by this strategy
    # (ROUND_ROBIN, LEAST_LOADED), remembering whom it chose last. Routed leads ignore
    # ``assigned_to_id``.
    route_department_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("departments.id", ondelete="SET NULL")
    )
    route_strategy: Mapped[str | None] = mapped_column(String(16))
    last_routed_to_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("users.id", ondelete="SET NULL")
    )
    # A field real visitors never see: a submission that fills it is a bot's, dropped quietly.
    honeypot: Mapped[str] = mapped_column(String(100))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[CreatedAt]


class LeadFormSubmission(Base):
    """One submission received: its outcome, and the lead made of it if any."""

    __tablename__ = "lead_form_submissions"

    id: Mapped[IntPk]
    form_id: Mapped[int] = mapped_column(BigId, ForeignKey("lead_forms.id", ondelete="CASCADE"))
    client_address: Mapped[str] = mapped_column(String(64))
    received_at: Mapped[datetime] = mapped_column(UtcDateTime())
    # CREATED, INVALID, SPAM or REFUSED (resolvers/lead_forms.py)
    outcome: Mapped[str] = mapped_column(String(16))
    lead_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("crm_leads.id", ondelete="SET NULL")
    )

    __table_args__ = (
        Index(
            "ix_lead_form_submissions_form_id_client_address_received_at",
            "form_id",
            "client_address",
            "received_at",
        ),
    )
