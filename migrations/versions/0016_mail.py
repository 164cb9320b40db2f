"""E-mail: templates, mass mailings, the outbox, unsubscribed addresses and users' choice of
e-mail notifications.

Revision ID: 0016_mail
Revises: 0015_task_overdue
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from models.base import BigId, UtcDateTime

revision: str = "0016_mail"
down_revision: str | Sequence[str] | None = "0015_task_overdue"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _user_fk(table: str, column: str, ondelete: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], ["users.id"], name=f"fk_{table}_{column}_users", ondelete=ondelete
    )


def upgrade() -> None:
    op.create_table(
        "mail_templates",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("entity", sa.String(16), nullable=False),
        sa.Column("subject", sa.String(500), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_by_id", BigId, nullable=True),
        sa.Column("created_at", UtcDateTime(), server_default=sa.func.now(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), server_default=sa.func.now(), nullable=False),
        _user_fk("mail_templates", "created_by_id", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name="pk_mail_templates"),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "mailings",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("template_id", BigId, nullable=True),
        sa.Column("entity", sa.String(16), nullable=False),
        sa.Column("filter", sa.JSON(), nullable=False),
        sa.Column("author_id", BigId, nullable=True),
        sa.Column("queued", sa.Integer(), nullable=False),
        sa.Column("sent", sa.Integer(), nullable=False),
        sa.Column("failed", sa.Integer(), nullable=False),
        sa.Column("skipped_unsubscribed", sa.Integer(), nullable=False),
        sa.Column("skipped_no_address", sa.Integer(), nullable=False),
        sa.Column("created_at", UtcDateTime(), server_default=sa.func.now(), nullable=False),
        sa.ForeignKeyConstraint(
            ["template_id"],
            ["mail_templates.id"],
            name="fk_mailings_template_id_mail_templates",
            ondelete="SET NULL",
        ),
        _user_fk("mailings", "author_id", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name="pk_mailings"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_mailings_author_id_id", "mailings", ["author_id", "id"])
    op.create_table(
        "mail_outbox",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("recipient", sa.String(255), nullable=False),
        sa.Column("subject", sa.String(255), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("status", sa.String(8), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", UtcDateTime(), nullable=False),
        sa.Column("last_error", sa.String(500), nullable=True),
        sa.Column("sent_at", UtcDateTime(), nullable=True),
        sa.Column("record_type", sa.String(16), nullable=True),
        sa.Column("record_id", sa.BigInteger(), nullable=True),
        sa.Column("mailing_id", BigId, nullable=True),
        sa.Column("author_id", BigId, nullable=True),
        sa.Column("unsubscribe_url", sa.String(500), nullable=True),
        sa.Column("created_at", UtcDateTime(), server_default=sa.func.now(), nullable=False),
        sa.ForeignKeyConstraint(
            ["mailing_id"],
            ["mailings.id"],
            name="fk_mail_outbox_mailing_id_mailings",
            ondelete="CASCADE",
        ),
        _user_fk("mail_outbox", "author_id", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name="pk_mail_outbox"),
        sqlite_autoincrement=True,
    )
    op.create_index(
        "ix_mail_outbox_status_next_attempt_at", "mail_outbox", ["status", "next_attempt_at"]
    )
    op.create_index("ix_mail_outbox_mailing_id", "mail_outbox", ["mailing_id"])
    op.create_index("ix_mail_outbox_author_id_id", "mail_outbox", ["author_id", "id"])
    op.create_table(
        "mail_unsubscribes",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("address", sa.String(255), nullable=False),
        sa.Column("token", sa.String(43), nullable=False),
        sa.Column("unsubscribed_at", UtcDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_mail_unsubscribes"),
        sa.UniqueConstraint("address", name="uq_mail_unsubscribes_address"),
        sa.UniqueConstraint("token", name="uq_mail_unsubscribes_token"),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "mail_preferences",
        sa.Column("user_id", BigId, nullable=False),
        sa.Column("mode", sa.String(16), nullable=False),
        sa.Column("last_digest_at", UtcDateTime(), nullable=True),
        _user_fk("mail_preferences", "user_id", "CASCADE"),
        sa.PrimaryKeyConstraint("user_id", name="pk_mail_preferences"),
        sqlite_autoincrement=True,
    )


def downgrade() -> None:
    op.drop_table("mail_preferences")
    op.drop_table("mail_unsubscribes")
    op.drop_table("mail_outbox")
    op.drop_table("mailings")
    op.drop_table("mail_templates")
