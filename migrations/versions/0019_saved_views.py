"""Saved views: a named filter, order, search and columns of a CRM list, shared by their
owner with nobody, their department or everyone.

Revision ID: 0019_saved_views
Revises: 0018_funnel_tallies
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from models.base import BigId, UtcDateTime

revision: str = "0019_saved_views"
down_revision: str | Sequence[str] | None = "0018_funnel_tallies"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "saved_views",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("entity", sa.String(16), nullable=False),
        sa.Column("owner_id", BigId, nullable=False),
        sa.Column("sharing", sa.String(16), nullable=False),
        sa.Column("filter", sa.JSON(), nullable=False),
        sa.Column("order_by", sa.JSON(), nullable=False),
        sa.Column("search", sa.String(200), nullable=True),
        sa.Column("columns", sa.JSON(), nullable=False),
        sa.Column("created_at", UtcDateTime(), server_default=sa.func.now(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_saved_views"),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["users.id"],
            name="fk_saved_views_owner_id_users",
            ondelete="CASCADE",
        ),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_saved_views_entity_owner_id", "saved_views", ["entity", "owner_id"])
    op.create_index("ix_saved_views_entity_sharing", "saved_views", ["entity", "sharing"])


def downgrade() -> None:
    op.drop_index("ix_saved_views_entity_sharing", table_name="saved_views")
    op.drop_index("ix_saved_views_entity_owner_id", table_name="saved_views")
    op.drop_table("saved_views")
