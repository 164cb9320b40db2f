"""Access control: roles, permissions, field rules, assignments, stage transitions and the
policy epoch (seeded with its one row).

Revision ID: 0004_access
Revises: 0003_collaboration
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from models.base import BigId, UtcDateTime

revision: str = "0004_access"
down_revision: str | Sequence[str] | None = "0003_collaboration"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "roles",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("created_at", UtcDateTime(), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_roles"),
        sa.UniqueConstraint("name", name="uq_roles_name"),
    )
    op.create_table(
        "role_permissions",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("role_id", BigId, nullable=False),
        sa.Column("entity", sa.String(16), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("status_id", sa.BigInteger(), nullable=False),
        sa.Column("level", sa.String(16), nullable=False),
        sa.ForeignKeyConstraint(
            ["role_id"], ["roles.id"], name="fk_role_permissions_role_id_roles", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_role_permissions"),
        sa.UniqueConstraint(
            "role_id", "entity", "action", "status_id",
            name="uq_role_permissions_role_id_entity_action_status_id",
        ),
    )
    op.create_table(
        "field_rules",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("role_id", BigId, nullable=False),
        sa.Column("entity", sa.String(16), nullable=False),
        sa.Column("field", sa.String(64), nullable=False),
        sa.Column("status_id", sa.BigInteger(), nullable=False),
        sa.Column("rule", sa.String(16), nullable=False),
        sa.ForeignKeyConstraint(
            ["role_id"], ["roles.id"], name="fk_field_rules_role_id_roles", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_field_rules"),
        sa.UniqueConstraint(
            "role_id", "entity", "field", "status_id",
            name="uq_field_rules_role_id_entity_field_status_id",
        ),
    )
    op.create_table(
        "role_assignments",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("role_id", BigId, nullable=False),
        sa.Column("user_id", BigId, nullable=True),
        sa.Column("department_id", BigId, nullable=True),
        sa.CheckConstraint(
            "(user_id IS NULL AND department_id IS NOT NULL)"
            " OR (user_id IS NOT NULL AND department_id IS NULL)",
            name="ck_role_assignments_one_holder",
        ),
        sa.ForeignKeyConstraint(
            ["role_id"], ["roles.id"], name="fk_role_assignments_role_id_roles", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name="fk_role_assignments_user_id_users", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["department_id"], ["departments.id"],
            name="fk_role_assignments_department_id_departments", ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_role_assignments"),
        sa.UniqueConstraint("role_id", "user_id", name="uq_role_assignments_role_id_user_id"),
        sa.UniqueConstraint(
            "role_id", "department_id", name="uq_role_assignments_role_id_department_id"
        ),
    )
    op.create_index("ix_role_assignments_user_id", "role_assignments", ["user_id"])
    op.create_index("ix_role_assignments_department_id", "role_assignments", ["department_id"])
    op.create_table(
        "stage_transitions",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("role_id", BigId, nullable=False),
        sa.Column("pipeline_id", BigId, nullable=False),
        sa.Column("from_stage_id", BigId, nullable=False),
        sa.Column("to_stage_id", BigId, nullable=False),
        sa.ForeignKeyConstraint(
            ["role_id"], ["roles.id"], name="fk_stage_transitions_role_id_roles",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["pipeline_id"], ["crm_pipelines.id"],
            name="fk_stage_transitions_pipeline_id_crm_pipelines", ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["from_stage_id"], ["crm_deal_stages.id"],
            name="fk_stage_transitions_from_stage_id_crm_deal_stages", ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["to_stage_id"], ["crm_deal_stages.id"],
            name="fk_stage_transitions_to_stage_id_crm_deal_stages", ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_stage_transitions"),
        sa.UniqueConstraint(
            "role_id", "pipeline_id", "from_stage_id", "to_stage_id",
            name="uq_stage_transitions_move",
        ),
    )
    op.create_index("ix_stage_transitions_pipeline_id", "stage_transitions", ["pipeline_id"])
    epoch = op.create_table(
        "policy_epoch",
        sa.Column("id", BigId, nullable=False),
        sa.Column("epoch", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_policy_epoch"),
    )
    op.bulk_insert(epoch, [{"id": 1, "epoch": 0}])


def downgrade() -> None:
    op.drop_table("policy_epoch")
    op.drop_index("ix_stage_transitions_pipeline_id", table_name="stage_transitions")
    op.drop_table("stage_transitions")
    op.drop_index("ix_role_assignments_department_id", table_name="role_assignments")
    op.drop_index("ix_role_assignments_user_id", table_name="role_assignments")
    op.drop_table("role_assignments")
    op.drop_table("field_rules")
    op.drop_table("role_permissions")
    op.drop_table("roles")
