"""Tasks: who does what by when, with participants, tags, a checklist and CRM links."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, BigId, CreatedAt, IntPk, UpdatedAt, UtcDateTime


class Task(Base):
    __tablename__ = "tasks"

    id: Mapped[IntPk]
    title: Mapped[str] = mapped_column(String(255))
    description: Mapped[str] = mapped_column(Text, default="")
    # Values of resolvers.tasks.workflow.TaskStatus / TaskPriority, stored by name.
    status: Mapped[str] = mapped_column(String(32))
    priority: Mapped[str] = mapped_column(String(16))
    deadline: Mapped[datetime | None] = mapped_column(UtcDateTime())
    # When set, the responsible's "complete" only proposes completion; the creator approves.
    require_approval: Mapped[bool] = mapped_column(Boolean, default=False)
    creator_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id", ondelete="RESTRICT"))
    responsible_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id", ondelete="RESTRICT"))
    parent_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("tasks.id", ondelete="SET NULL"), index=True
    )
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    # The deadline whose passing was last announced (TASK_OVERDUE): a new deadline may pass
    # and be announced again, the same one only once.
    overdue_deadline: Mapped[datetime | None] = mapped_column(UtcDateTime())
    created_at: Mapped[CreatedAt]
    updated_at: Mapped[UpdatedAt]

    __table_args__ = (
        Index("ix_tasks_creator_id", "creator_id"),
        Index("ix_tasks_deadline", "deadline"),
        Index("ix_tasks_responsible_id", "responsible_id"),
        Index("ix_tasks_created_at_id", "created_at", "id"),
    )


class TaskMember(Base):
    """An accomplice or an auditor of a task (creator and responsible are columns of it)."""

    __tablename__ = "task_members"

    task_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("tasks.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    # ACCOMPLICE or AUDITOR.
    role: Mapped[str] = mapped_column(String(16), primary_key=True)

    __table_args__ = (Index("ix_task_members_user_id", "user_id"),)


class TaskTag(Base):
    __tablename__ = "task_tags"

    task_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("tasks.id", ondelete="CASCADE"), primary_key=True
    )
    tag: Mapped[str] = mapped_column(String(100), primary_key=True)

    __table_args__ = (Index("ix_task_tags_tag", "tag"),)


class ChecklistItem(Base):
    __tablename__ = "checklist_items"

    id: Mapped[IntPk]
    task_id: Mapped[int] = mapped_column(BigId, ForeignKey("tasks.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(255))
    done: Mapped[bool] = mapped_column(Boolean, default=False)
    position: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[CreatedAt]

    __table_args__ = (Index("ix_checklist_items_task_id_position", "task_id", "position"),)


class TaskCrmLink(Base):
    """A task's link to a CRM record. No foreign key: the record may live in any CRM table."""

    __tablename__ = "task_crm_links"

    task_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("tasks.id", ondelete="CASCADE"), primary_key=True
    )
    # LEAD, CONTACT, COMPANY or DEAL.
    entity_type: Mapped[str] = mapped_column(String(16), primary_key=True)
    entity_id: Mapped[int] = mapped_column(BigId, primary_key=True)

    __table_args__ = (Index("ix_task_crm_links_entity", "entity_type", "entity_id"),)
