"""API keys: a name, a shown prefix, an optional role and the last use of a login token
issued to a server-to-server client.

Revision ID: 0010_api_keys
Revises: 0009_persisted_queries
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from models.base import BigId, UtcDateTime

revision: str = "0010_api_keys"
down_revision: str | Sequence[str] | None = "0009_persisted_queries"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "api_keys",
        sa.Column("token_id", BigId, nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("prefix", sa.String(20), nullable=False),
        sa.Column("role_id", BigId, nullable=True),
        sa.Column("created_by_id", BigId, nullable=True),
        sa.Column("created_at", UtcDateTime(), server_default=sa.func.now(), nullable=False),
        sa.Column("last_used_at", UtcDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["token_id"],
            ["auth_tokens.id"],
            name="fk_api_keys_token_id_auth_tokens",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["role_id"], ["roles.id"], name="fk_api_keys_role_id_roles", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name="fk_api_keys_created_by_id_users",
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("token_id", name="pk_api_keys"),
        sa.UniqueConstraint("prefix", name="uq_api_keys_prefix"),
    )
    op.create_index("ix_api_keys_role_id", "api_keys", ["role_id"])


def downgrade() -> None:
    op.drop_index("ix_api_keys_role_id", table_name="api_keys")
    op.drop_table("api_keys")
