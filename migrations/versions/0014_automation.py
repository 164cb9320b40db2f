"""Automation rules, their run log and the runners' shared cursor; the automation depth of
events written by rules' actions.

Revision ID: 0014_automation
Revises: 0013_webhooks
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from models.base import BigId, UtcDateTime

revision: str = "0014_automation"
down_revision: str | Sequence[str] | None = "0013_webhooks"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("events") as batch:
        batch.add_column(sa.Column("automation_depth", sa.Integer(), nullable=True))
    op.create_table(
        "automation_rules",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("owner_id", BigId, nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("trigger", sa.String(32), nullable=False),
        sa.Column("entity", sa.String(16), nullable=False),
        sa.Column("trigger_options", sa.JSON(), nullable=False),
        sa.Column("condition", sa.JSON(), nullable=True),
        sa.Column("actions", sa.JSON(), nullable=False),
        sa.Column("start_seq", BigId, nullable=False),
        sa.Column("last_assigned_id", BigId, nullable=True),
        sa.Column("created_at", UtcDateTime(), server_default=sa.func.now(), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["users.id"],
            name="fk_automation_rules_owner_id_users",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["last_assigned_id"],
            ["users.id"],
            name="fk_automation_rules_last_assigned_id_users",
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_automation_rules"),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "automation_runs",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("rule_id", BigId, nullable=False),
        sa.Column("event_seq", BigId, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("message", sa.String(500), nullable=False),
        sa.Column("created_records", sa.JSON(), nullable=False),
        sa.Column("ran_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["rule_id"],
            ["automation_rules.id"],
            name="fk_automation_runs_rule_id_automation_rules",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_automation_runs"),
        sa.UniqueConstraint("rule_id", "event_seq", name="uq_automation_runs_rule_id_event_seq"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_automation_runs_rule_id_id", "automation_runs", ["rule_id", "id"])
    op.create_table(
        "automation_cursor",
        sa.Column("id", BigId, autoincrement=False, nullable=False),
        sa.Column("last_seq", BigId, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_automation_cursor"),
        sqlite_autoincrement=True,
    )


def downgrade() -> None:
    op.drop_table("automation_cursor")
    op.drop_index("ix_automation_runs_rule_id_id", table_name="automation_runs")
    op.drop_table("automation_runs")
    op.drop_table("automation_rules")
    with op.batch_alter_table("events") as batch:
        batch.drop_column("automation_depth")
