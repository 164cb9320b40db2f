"""Activities: calls, meetings, e-mails and notes, each bound to one or more CRM records."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, BigId, CreatedAt, IntPk, UpdatedAt, UtcDateTime
from models.crm.common import CrmEntity, enum_column


class ActivityKind(enum.Enum):
    CALL = "CALL"
    MEETING = "MEETING"
    EMAIL = "EMAIL"
    NOTE = "NOTE"


class ActivityDirection(enum.Enum):
    NONE = "NONE"
    INCOMING = "INCOMING"
    OUTGOING = "OUTGOING"


class Activity(Base):
    __tablename__ = "crm_activities"

    id: Mapped[IntPk]
    kind: Mapped[ActivityKind] = mapped_column(enum_column(ActivityKind))
    subject: Mapped[str] = mapped_column(String(255))
    description: Mapped[str] = mapped_column(Text, default="")
    direction: Mapped[ActivityDirection] = mapped_column(enum_column(ActivityDirection))
    start_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    end_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    completed: Mapped[bool] = mapped_column(Boolean, default=False)
    completed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    assigned_to_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("users.id", ondelete="SET NULL")
    )
    created_by_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[CreatedAt]
    updated_at: Mapped[UpdatedAt]

    __table_args__ = (
        Index("ix_crm_activities_assigned_to_id_id", "assigned_to_id", "id"),
        Index("ix_crm_activities_start_at", "start_at"),
        Index("ix_crm_activities_created_at_id", "created_at", "id"),
    )


class ActivityBinding(Base):
    """An activity's owner: a lead, contact, company or deal."""

    __tablename__ = "crm_activity_bindings"

    activity_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("crm_activities.id", ondelete="CASCADE"), primary_key=True
    )
    entity_type: Mapped[CrmEntity] = mapped_column(enum_column(CrmEntity), primary_key=True)
    entity_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)

    __table_args__ = (
        Index("ix_crm_activity_bindings_entity", "entity_type", "entity_id", "activity_id"),
    )
