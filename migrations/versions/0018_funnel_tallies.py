"""Funnel tallies: deal counts per (stage, furthest working stage, the responsible's
department, opened) kept by triggers on the deals and on the users' departments; filled
from the deal tallies.

Revision ID: 0018_funnel_tallies
Revises: 0017_custom_fields
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from models.base import BigId
from models.crm.funnel_tallies import REBUILD_SQL, dropped_triggers, triggers

revision: str = "0018_funnel_tallies"
down_revision: str | Sequence[str] | None = "0017_custom_fields"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "crm_deal_funnel_tallies",
        sa.Column("stage_id", BigId, nullable=False),
        sa.Column("furthest_stage_id", BigId, nullable=False),
        sa.Column("department_id", BigId, nullable=False),
        sa.Column("opened", sa.Boolean(), nullable=False),
        sa.Column("deals", BigId, nullable=False),
        sa.PrimaryKeyConstraint(
            "stage_id",
            "furthest_stage_id",
            "department_id",
            "opened",
            name="pk_crm_deal_funnel_tallies",
        ),
    )
    for statement in REBUILD_SQL.split(";"):
        op.execute(statement)
    for statement in triggers(op.get_bind().dialect.name):
        op.execute(statement)


def downgrade() -> None:
    for statement in dropped_triggers(op.get_bind().dialect.name):
        op.execute(statement)
    op.drop_table("crm_deal_funnel_tallies")
