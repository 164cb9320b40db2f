"""What happened to a CRM record: comments, field changes, activities; and deal stage moves."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, BigId, CreatedAt, IntPk, UtcDateTime, utcnow
from models.crm.common import CrmEntity, enum_column


class TimelineKind(enum.Enum):
    COMMENT = "COMMENT"
    FIELD_CHANGE = "FIELD_CHANGE"
    ACTIVITY = "ACTIVITY"
    # Other records of the same entity were merged into this one; ``body`` names them.
    MERGED = "MERGED"


class TimelineEntry(Base):
    """One line of a record's timeline. Activities appear through an entry per bound record,
    so a timeline is one indexed table read newest first."""

    __tablename__ = "crm_timeline_entries"

    id: Mapped[IntPk]
    entity_type: Mapped[CrmEntity] = mapped_column(enum_column(CrmEntity))
    entity_id: Mapped[int] = mapped_column(BigInteger)
    kind: Mapped[TimelineKind] = mapped_column(enum_column(TimelineKind))
    author_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("users.id", ondelete="SET NULL")
    )
    body: Mapped[str] = mapped_column(Text, default="")
    field: Mapped[str] = mapped_column(String(64), default="")
    old_value: Mapped[str | None] = mapped_column(Text)
    new_value: Mapped[str | None] = mapped_column(Text)
    activity_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("crm_activities.id", ondelete="CASCADE")
    )
    created_at: Mapped[CreatedAt]

    __table_args__ = (
        Index("ix_crm_timeline_entries_entity", "entity_type", "entity_id", "created_at", "id"),
        Index("ix_crm_timeline_entries_activity_id", "activity_id"),
    )


class DealStageMove(Base):
    """A deal's move from one stage to another: who, when, from, to."""

    __tablename__ = "crm_deal_stage_moves"

    id: Mapped[IntPk]
    deal_id: Mapped[int] = mapped_column(BigId, ForeignKey("crm_deals.id", ondelete="CASCADE"))
    from_stage_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("crm_deal_stages.id", ondelete="SET NULL")
    )
    to_stage_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("crm_deal_stages.id", ondelete="SET NULL")
    )
    moved_by_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("users.id", ondelete="SET NULL")
    )
    moved_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)

    __table_args__ = (Index("ix_crm_deal_stage_moves_deal_id", "deal_id", "moved_at", "id"),)
