"""Login throttling counts attempts per (e-mail, client address) and per address, reserved
before the password is checked; the log of failures it replaces goes.

Revision ID: 0007_login_throttle
Revises: 0006_rule_scopes
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from models.base import BigId, UtcDateTime

revision: str = "0007_login_throttle"
down_revision: str | Sequence[str] | None = "0006_rule_scopes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "login_throttles",
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("client_address", sa.String(64), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("window_started_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("email", "client_address", name="pk_login_throttles"),
    )
    op.create_index(
        "ix_login_throttles_window_started_at", "login_throttles", ["window_started_at"]
    )
    op.drop_table("login_failures")


def downgrade() -> None:
    op.create_table(
        "login_failures",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("client_address", sa.String(64), nullable=False),
        sa.Column("failed_at", UtcDateTime(), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_login_failures"),
    )
    op.create_index("ix_login_failures_email_failed_at", "login_failures", ["email", "failed_at"])
    op.create_index(
        "ix_login_failures_client_address_failed_at",
        "login_failures",
        ["client_address", "failed_at"],
    )
    op.drop_index("ix_login_throttles_window_started_at", table_name="login_throttles")
    op.drop_table("login_throttles")
