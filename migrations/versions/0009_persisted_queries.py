"""Persisted queries: GraphQL documents registered under their SHA-256, shared by every app
process.

Revision ID: 0009_persisted_queries
Revises: 0008_ids_never_reused
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from models.base import UtcDateTime

revision: str = "0009_persisted_queries"
down_revision: str | Sequence[str] | None = "0008_ids_never_reused"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "persisted_queries",
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.Column("created_at", UtcDateTime(), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("sha256", name="pk_persisted_queries"),
    )


def downgrade() -> None:
    op.drop_table("persisted_queries")
