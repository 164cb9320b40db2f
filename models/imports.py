"""Imports of CRM records from CSV and XLSX files: the job (who asked, what, how far it got,
which worker holds it), the uploaded file kept in the database in chunks (so that any
process may resume the job), and one result per data row."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, BigId, CreatedAt, IntPk, UtcDateTime
from models.crm.common import CrmEntity, enum_column


class ImportJob(Base):
    __tablename__ = "import_jobs"

    id: Mapped[IntPk]
    entity: Mapped[CrmEntity] = mapped_column(enum_column(CrmEntity))
    # The importer: rows are written as this user, with their rights when each batch runs.
    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id", ondelete="CASCADE"))
    # QUEUED, RUNNING, DONE, FAILED.
    status: Mapped[str] = mapped_column(String(16), default="QUEUED")
    dry_run: Mapped[bool] = mapped_column(Boolean, default=False)
    # SKIP, UPDATE, CREATE: what a row matching an existing record (phone / e-mail) does.
    duplicates: Mapped[str] = mapped_column(String(16), default="SKIP")
    file_name: Mapped[str] = mapped_column(String(255), default="")
    file_size: Mapped[int] = mapped_column(BigId, default=0)
    # The overrides given, then what was detected (or given) once the file was read.
    encoding: Mapped[str | None] = mapped_column(String(40))
    delimiter: Mapped[str | None] = mapped_column(String(4))
    file_format: Mapped[str | None] = mapped_column(String(8))
    # [[column header, field or null], …] as asked; the mapping used, with each column's
    # status, once the header is read.
    mapping: Mapped[list[Any]] = mapped_column(JSON, default=list)
    columns: Mapped[list[Any]] = mapped_column(JSON, default=list)
    # The data row (1 = the first after the header) the next batch starts at: rows before it
    # have their result committed with the records they made.
    next_row: Mapped[int] = mapped_column(Integer, default=1)
    total: Mapped[int | None] = mapped_column(Integer)
    created: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    skipped: Mapped[int] = mapped_column(Integer, default=0)
    failed: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(String(1000))
    # The worker holding the job and until when; a lease that runs out (its process died)
    # lets another worker take the job over from ``next_row``.
    claimed_by: Mapped[str | None] = mapped_column(String(100))
    lease_until: Mapped[datetime | None] = mapped_column(UtcDateTime())
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[CreatedAt]
    started_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    # Bumped on every committed change: live watchers push when it moves.
    version: Mapped[int] = mapped_column(Integer, default=0)

    __table_args__ = (
        Index("ix_import_jobs_status", "status", "id"),
        Index("ix_import_jobs_user_id", "user_id", "id"),
    )


class ImportFileChunk(Base):
    """The uploaded file, in order, a chunk a row."""

    __tablename__ = "import_file_chunks"

    job_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("import_jobs.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class ImportRowResult(Base):
    """What one data row of the file came to."""

    __tablename__ = "import_rows"

    job_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("import_jobs.id", ondelete="CASCADE"), primary_key=True
    )
    row: Mapped[int] = mapped_column(Integer, primary_key=True)
    # CREATED, UPDATED, SKIPPED, FAILED.
    outcome: Mapped[str] = mapped_column(String(16))
    record_id: Mapped[int | None] = mapped_column(BigId)
    # [{"field": …, "message": …}, …]
    errors: Mapped[list[Any]] = mapped_column(JSON, default=list)

    __table_args__ = (Index("ix_import_rows_outcome", "job_id", "outcome", "row"),)
