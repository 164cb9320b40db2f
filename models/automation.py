"""Automation rules ("robots"): a trigger, a condition and actions run on the event log, and
the run log that makes each rule run at most once per event."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, BigId, CreatedAt, IntPk, UtcDateTime


class AutomationRule(Base):
    __tablename__ = "automation_rules"

    id: Mapped[IntPk]
    name: Mapped[str] = mapped_column(String(100))
    # Actions run in this user's rights, as if they made the change themselves.
    owner_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id", ondelete="CASCADE"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # LEAD_CREATED, DEAL_STAGE_ENTERED or FIELD_CHANGED (resolvers/automation/triggers.py),
    # on this CRM entity (LEAD, CONTACT, COMPANY, DEAL).
    trigger: Mapped[str] = mapped_column(String(32))
    entity: Mapped[str] = mapped_column(String(16))
    # {"stageId": int} or {"semantics": "SUCCESS"} for a stage; {"field": name} for a field.
    trigger_options: Mapped[dict[str, Any]] = mapped_column(JSON)
    # The entity's list filter, serialised (resolvers/automation/conditions.py); None: all.
    condition: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # [{"kind": "CREATE_TASK", ...options}, ...] run in order, in one transaction.
    actions: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    # Events up to this seq were written before the rule existed: it never runs on them.
    start_seq: Mapped[int] = mapped_column(BigId)
    # Round-robin assignment's memory: whom the rule assigned last.
    last_assigned_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[CreatedAt]


class AutomationRun(Base):
    """What one rule did about one event. The unique (rule, event) pair is the exactly-once
    guarantee: the row is written in the transaction of the actions' effects."""

    __tablename__ = "automation_runs"

    id: Mapped[IntPk]
    rule_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("automation_rules.id", ondelete="CASCADE")
    )
    event_seq: Mapped[int] = mapped_column(BigId)
    # DONE, FAILED or SKIPPED_DEPTH
    status: Mapped[str] = mapped_column(String(16))
    message: Mapped[str] = mapped_column(String(500))
    # [[type name, id], ...]: the records the actions created.
    created_records: Mapped[list[list[Any]]] = mapped_column(JSON)
    ran_at: Mapped[datetime] = mapped_column(UtcDateTime())

    __table_args__ = (
        UniqueConstraint("rule_id", "event_seq", name="uq_automation_runs_rule_id_event_seq"),
        Index("ix_automation_runs_rule_id_id", "rule_id", "id"),
    )


class AutomationCursor(Base):
    """How far the runners have read the event log, shared by every process: a runner that
    starts (or restarts) goes on from here. Advanced after the runs it covers committed; a
    second process reading the same events again finds their runs already logged."""

    __tablename__ = "automation_cursor"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=False)
    last_seq: Mapped[int] = mapped_column(BigId)
