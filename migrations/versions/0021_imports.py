"""Imports: jobs, their uploaded files (in chunks) and per-row results.

Revision ID: 0021_imports
Revises: 0020_attachments
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from models.base import BigId, UtcDateTime

revision: str = "0021_imports"
down_revision: str | Sequence[str] | None = "0020_attachments"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "import_jobs",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("entity", sa.String(16), nullable=False),
        sa.Column(
            "user_id",
            BigId,
            sa.ForeignKey("users.id", ondelete="CASCADE", name="fk_import_jobs_user_id_users"),
            nullable=False,
        ),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("dry_run", sa.Boolean(), nullable=False),
        sa.Column("duplicates", sa.String(16), nullable=False),
        sa.Column("file_name", sa.String(255), nullable=False),
        sa.Column("file_size", BigId, nullable=False),
        sa.Column("encoding", sa.String(40), nullable=True),
        sa.Column("delimiter", sa.String(4), nullable=True),
        sa.Column("file_format", sa.String(8), nullable=True),
        sa.Column("mapping", sa.JSON(), nullable=False),
        sa.Column("columns", sa.JSON(), nullable=False),
        sa.Column("next_row", sa.Integer(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=True),
        sa.Column("created", sa.Integer(), nullable=False),
        sa.Column("updated", sa.Integer(), nullable=False),
        sa.Column("skipped", sa.Integer(), nullable=False),
        sa.Column("failed", sa.Integer(), nullable=False),
        sa.Column("error", sa.String(1000), nullable=True),
        sa.Column("claimed_by", sa.String(100), nullable=True),
        sa.Column("lease_until", UtcDateTime(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", UtcDateTime(), server_default=sa.func.now(), nullable=False),
        sa.Column("started_at", UtcDateTime(), nullable=True),
        sa.Column("finished_at", UtcDateTime(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_import_jobs"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_import_jobs_status", "import_jobs", ["status", "id"])
    op.create_index("ix_import_jobs_user_id", "import_jobs", ["user_id", "id"])
    op.create_table(
        "import_file_chunks",
        sa.Column(
            "job_id",
            BigId,
            sa.ForeignKey(
                "import_jobs.id", ondelete="CASCADE", name="fk_import_file_chunks_job_id_import_jobs"
            ),
            nullable=False,
        ),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("job_id", "position", name="pk_import_file_chunks"),
    )
    op.create_table(
        "import_rows",
        sa.Column(
            "job_id",
            BigId,
            sa.ForeignKey(
                "import_jobs.id", ondelete="CASCADE", name="fk_import_rows_job_id_import_jobs"
            ),
            nullable=False,
        ),
        sa.Column("row", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("record_id", BigId, nullable=True),
        sa.Column("errors", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("job_id", "row", name="pk_import_rows"),
    )
    op.create_index("ix_import_rows_outcome", "import_rows", ["job_id", "outcome", "row"])


def downgrade() -> None:
    op.drop_index("ix_import_rows_outcome", table_name="import_rows")
    op.drop_table("import_rows")
    op.drop_table("import_file_chunks")
    op.drop_index("ix_import_jobs_user_id", table_name="import_jobs")
    op.drop_index("ix_import_jobs_status", table_name="import_jobs")
    op.drop_table("import_jobs")
