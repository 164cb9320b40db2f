"""The deadline whose passing a task's TASK_OVERDUE event announced, and an index on deadlines
for the scan that finds tasks newly overdue.

Revision ID: 0015_task_overdue
Revises: 0014_automation
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from models.base import UtcDateTime

revision: str = "0015_task_overdue"
down_revision: str | Sequence[str] | None = "0014_automation"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("tasks") as batch:
        batch.add_column(sa.Column("overdue_deadline", UtcDateTime(), nullable=True))
    op.create_index("ix_tasks_deadline", "tasks", ["deadline"])
    # Tasks already overdue now are not announced as newly overdue after the upgrade.
    op.execute(
        "UPDATE tasks SET overdue_deadline = deadline WHERE deadline IS NOT NULL "
        "AND deadline < CURRENT_TIMESTAMP "
        "AND status NOT IN ('SUPPOSEDLY_COMPLETED', 'COMPLETED', 'DECLINED')"
    )


def downgrade() -> None:
    op.drop_index("ix_tasks_deadline", table_name="tasks")
    with op.batch_alter_table("tasks") as batch:
        batch.drop_column("overdue_deadline")
