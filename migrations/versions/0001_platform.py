"""Platform: departments, users, bearer tokens, login throttling.

Revision ID: 0001_platform
Revises:
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from models.base import BigId, UtcDateTime

revision: str = "0001_platform"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _timestamps() -> list[sa.Column[object]]:
    return [
        sa.Column("created_at", UtcDateTime(), server_default=sa.func.now(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), server_default=sa.func.now(), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "departments",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column(
            "parent_id",
            BigId,
            sa.ForeignKey("departments.id", ondelete="RESTRICT",
                          name="fk_departments_parent_id_departments"),
            nullable=True,
        ),
        # The foreign key to users is added below, once users exists.
        sa.Column("head_id", BigId, nullable=True),
        sa.Column("path", sa.String(1000), nullable=False),
        *_timestamps(),
        sa.PrimaryKeyConstraint("id", name="pk_departments"),
    )
    op.create_index("ix_departments_parent_id", "departments", ["parent_id"])
    op.create_index("ix_departments_head_id", "departments", ["head_id"])
    op.create_index("ix_departments_path", "departments", ["path"])

    op.create_table(
        "users",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("position", sa.String(200), nullable=False),
        sa.Column(
            "department_id",
            BigId,
            sa.ForeignKey("departments.id", ondelete="RESTRICT",
                          name="fk_users_department_id_departments"),
            nullable=True,
        ),
        sa.Column("is_admin", sa.Boolean(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("password_hash", sa.String(200), nullable=False),
        *_timestamps(),
        sa.PrimaryKeyConstraint("id", name="pk_users"),
        sa.UniqueConstraint("email", name="uq_users_email"),
    )
    op.create_index("ix_users_department_id", "users", ["department_id"])
    op.create_index("ix_users_name_id", "users", ["name", "id"])

    with op.batch_alter_table("departments") as batch:
        batch.create_foreign_key(
            "fk_departments_head_id_users", "users", ["head_id"], ["id"], ondelete="SET NULL"
        )

    op.create_table(
        "auth_tokens",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column(
            "user_id",
            BigId,
            sa.ForeignKey("users.id", ondelete="CASCADE", name="fk_auth_tokens_user_id_users"),
            nullable=False,
        ),
        sa.Column("created_at", UtcDateTime(), server_default=sa.func.now(), nullable=False),
        sa.Column("expires_at", UtcDateTime(), nullable=False),
        sa.Column("revoked_at", UtcDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_auth_tokens"),
        sa.UniqueConstraint("token_hash", name="uq_auth_tokens_token_hash"),
    )
    op.create_index("ix_auth_tokens_user_id", "auth_tokens", ["user_id"])

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


def downgrade() -> None:
    op.drop_table("login_failures")
    op.drop_table("auth_tokens")
    with op.batch_alter_table("departments") as batch:
        batch.drop_constraint("fk_departments_head_id_users", type_="foreignkey")
    op.drop_table("users")
    op.drop_table("departments")
