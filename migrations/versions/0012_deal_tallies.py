"""Deal tallies: counts and amount sums per (stage, furthest working stage, responsible,
opened, currency) kept by triggers, and each deal's furthest working stage; both filled
from the existing deals and stage moves.

Revision ID: 0012_deal_tallies
Revises: 0011_lead_forms
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from models.base import BigId
from models.crm.tallies import REBUILD_SQL, Total, dropped_triggers, triggers

revision: str = "0012_deal_tallies"
down_revision: str | Sequence[str] | None = "0011_lead_forms"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("crm_deals") as batch:
        batch.add_column(sa.Column("furthest_stage_id", BigId, nullable=True))
    op.create_table(
        "crm_deal_tallies",
        sa.Column("stage_id", BigId, nullable=False),
        sa.Column("furthest_stage_id", BigId, nullable=False),
        sa.Column("responsible_id", BigId, nullable=False),
        sa.Column("opened", sa.Boolean(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("deals", BigId, nullable=False),
        sa.Column("amount", Total(), nullable=False),
        sa.Column("weighted", Total(), nullable=False),
        sa.PrimaryKeyConstraint(
            "stage_id",
            "furthest_stage_id",
            "responsible_id",
            "opened",
            "currency",
            name="pk_crm_deal_tallies",
        ),
    )
    op.create_index("ix_crm_deal_tallies_responsible_id", "crm_deal_tallies", ["responsible_id"])
    dialect = op.get_bind().dialect.name
    for statement in REBUILD_SQL.split(";"):
        op.execute(statement)
    for statement in triggers(dialect):
        op.execute(statement)


def downgrade() -> None:
    for statement in dropped_triggers(op.get_bind().dialect.name):
        op.execute(statement)
    op.drop_table("crm_deal_tallies")
    with op.batch_alter_table("crm_deals") as batch:
        batch.drop_column("furthest_stage_id")
