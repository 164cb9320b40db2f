"""Custom fields: their definitions per CRM entity, and their values in typed columns.

Revision ID: 0017_custom_fields
Revises: 0016_mail
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from models.base import BigId, UtcDateTime
from models.crm.common import Money

revision: str = "0017_custom_fields"
down_revision: str | Sequence[str] | None = "0016_mail"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "crm_custom_fields",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("entity", sa.String(16), nullable=False),
        sa.Column("code", sa.String(50), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("required", sa.Boolean(), nullable=False),
        sa.Column("multiple", sa.Boolean(), nullable=False),
        sa.Column("sort", sa.Integer(), nullable=False),
        sa.Column("options", sa.JSON(), nullable=False),
        sa.Column("default", sa.JSON(), nullable=False),
        sa.Column("created_at", UtcDateTime(), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_crm_custom_fields"),
        sa.UniqueConstraint("entity", "code", name="uq_crm_custom_fields_entity_code"),
        sqlite_autoincrement=True,
    )
    op.create_index(
        "ix_crm_custom_fields_entity_sort", "crm_custom_fields", ["entity", "sort", "id"]
    )
    op.create_table(
        "crm_custom_values",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("field_id", BigId, nullable=False),
        sa.Column("entity", sa.String(16), nullable=False),
        sa.Column("record_id", BigId, nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("integer", BigId, nullable=True),
        sa.Column("number", Money(), nullable=True),
        sa.Column("flag", sa.Boolean(), nullable=True),
        sa.Column("day", sa.Date(), nullable=True),
        sa.Column("moment", UtcDateTime(), nullable=True),
        sa.Column("digits", sa.String(40), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_crm_custom_values"),
        sa.ForeignKeyConstraint(
            ["field_id"],
            ["crm_custom_fields.id"],
            name="fk_crm_custom_values_field_id_crm_custom_fields",
            ondelete="CASCADE",
        ),
        sa.UniqueConstraint(
            "field_id",
            "record_id",
            "position",
            name="uq_crm_custom_values_field_id_record_id_position",
        ),
        sqlite_autoincrement=True,
    )
    for name, columns in (
        ("entity_record_id", ["entity", "record_id"]),
        ("field_id_text", ["field_id", "text", "record_id"]),
        ("field_id_integer", ["field_id", "integer", "record_id"]),
        ("field_id_number", ["field_id", "number", "record_id"]),
        ("field_id_day", ["field_id", "day", "record_id"]),
        ("field_id_moment", ["field_id", "moment", "record_id"]),
        ("digits", ["digits"]),
    ):
        op.create_index(f"ix_crm_custom_values_{name}", "crm_custom_values", columns)


def downgrade() -> None:
    op.drop_table("crm_custom_values")
    op.drop_table("crm_custom_fields")
