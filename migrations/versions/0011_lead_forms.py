"""Web forms that create leads, and the log of their submissions.

Revision ID: 0011_lead_forms
Revises: 0010_api_keys
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from models.base import BigId, UtcDateTime

revision: str = "0011_lead_forms"
down_revision: str | Sequence[str] | None = "0010_api_keys"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "lead_forms",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("key", sa.String(43), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("owner_id", BigId, nullable=False),
        sa.Column("assigned_to_id", BigId, nullable=True),
        sa.Column("source_id", BigId, nullable=True),
        sa.Column("route_department_id", BigId, nullable=True),
        sa.Column("route_strategy", sa.String(16), nullable=True),
        sa.Column("last_routed_to_id", BigId, nullable=True),
        sa.Column("honeypot", sa.String(100), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", UtcDateTime(), server_default=sa.func.now(), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["users.id"], name="fk_lead_forms_owner_id_users", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["assigned_to_id"],
            ["users.id"],
            name="fk_lead_forms_assigned_to_id_users",
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["source_id"],
            ["crm_lead_sources.id"],
            name="fk_lead_forms_source_id_crm_lead_sources",
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["route_department_id"],
            ["departments.id"],
            name="fk_lead_forms_route_department_id_departments",
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["last_routed_to_id"],
            ["users.id"],
            name="fk_lead_forms_last_routed_to_id_users",
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_lead_forms"),
        sa.UniqueConstraint("key", name="uq_lead_forms_key"),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "lead_form_submissions",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("form_id", BigId, nullable=False),
        sa.Column("client_address", sa.String(64), nullable=False),
        sa.Column("received_at", UtcDateTime(), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("lead_id", BigId, nullable=True),
        sa.ForeignKeyConstraint(
            ["form_id"],
            ["lead_forms.id"],
            name="fk_lead_form_submissions_form_id_lead_forms",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["lead_id"],
            ["crm_leads.id"],
            name="fk_lead_form_submissions_lead_id_crm_leads",
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_lead_form_submissions"),
        sqlite_autoincrement=True,
    )
    op.create_index(
        "ix_lead_form_submissions_form_id_client_address_received_at",
        "lead_form_submissions",
        ["form_id", "client_address", "received_at"],
    )


def downgrade() -> None:
    op.drop_table("lead_form_submissions")
    op.drop_table("lead_forms")
