"""Asking for an import (the file stored with the job, in the database, so that any process
may run it) and reading jobs and their per-row results.

An import needs the IMPORT right on the entity (at some level; FORBIDDEN otherwise). Each
row then goes through the create (or update) command, which judges it as the API would.
A job is read by its importer, and by administrators; others get NOT_FOUND.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import Select, select

from models import AccessAction, AccessLevel, ImportFileChunk, ImportJob, ImportRowResult
from models.crm import CrmEntity
from models.crm.entities import type_name_of
from resolvers.context import RequestContext
from resolvers.crm.custom_fields import definitions
from resolvers.errors import BadInput, Forbidden, not_found
from resolvers.imports.mapping import check_mapping, targets_of
from resolvers.imports.reading import DELIMITERS, check_encoding
from resolvers.pagination import Page, PageRequest, SortKey, fetch_page

FILE_CHUNK = 1024 * 1024
POLICIES = ("SKIP", "UPDATE", "CREATE")
OUTCOMES = ("CREATED", "UPDATED", "SKIPPED", "FAILED")


class Upload(Protocol):
    """What a resolver receives for a file: Starlette's UploadFile, spooled to disk."""

    filename: str | None

    async def read(self, size: int = -1) -> bytes: ...


@dataclass(frozen=True)
class ImportRequest:
    entity: CrmEntity
    mapping: Sequence[tuple[str, str | None]] = ()
    dry_run: bool = False
    duplicates: str = "SKIP"
    encoding: str | None = None
    delimiter: str | None = None


def require_import_right(ctx: RequestContext, entity: CrmEntity) -> None:
    policy = ctx.require_policy()
    if not any(
        row.entity is entity
        and row.action is AccessAction.IMPORT
        and row.level is not AccessLevel.NONE
        for row in policy.summary()
    ):
        raise Forbidden(f"You may not import {type_name_of(entity).lower()} records")


async def start_import(
    ctx: RequestContext, request: ImportRequest, upload: Upload, max_bytes: int
) -> ImportJob:
    """A queued job holding the file; BAD_USER_INPUT for an unknown encoding, a delimiter
    that is not one of ``, ; tab |``, a mapping naming no writable field, a file past
    ``max_bytes``."""
    viewer = ctx.require_viewer()
    require_import_right(ctx, request.entity)
    if request.duplicates not in POLICIES:
        raise BadInput("One of SKIP, UPDATE, CREATE", field="duplicates")
    encoding = None
    if request.encoding is not None:
        try:
            encoding = check_encoding(request.encoding)
        except LookupError:
            raise BadInput(f"Unknown encoding '{request.encoding}'", field="encoding") from None
    if request.delimiter is not None and (
        len(request.delimiter) != 1 or request.delimiter not in DELIMITERS
    ):
        raise BadInput("The delimiter is one of , ; tab |", field="delimiter")
    targets = targets_of(request.entity, await definitions(ctx, request.entity))
    mapping = check_mapping(targets, request.mapping)
    async with ctx.db() as session:
        job = ImportJob(
            entity=request.entity,
            user_id=viewer.user_id,
            status="QUEUED",
            dry_run=request.dry_run,
            duplicates=request.duplicates,
            file_name=(upload.filename or "")[:255],
            file_size=0,
            encoding=encoding,
            delimiter=request.delimiter,
            mapping=[[column, name] for column, name in mapping],
            columns=[],
            next_row=1,
            created=0,
            updated=0,
            skipped=0,
            failed=0,
            attempts=0,
            version=0,
        )
        session.add(job)
        await session.flush()
        position, size = 0, 0
        while chunk := await upload.read(FILE_CHUNK):
            size += len(chunk)
            if size > max_bytes:
                raise BadInput(f"The file is larger than {max_bytes} bytes", field="file")
            session.add(ImportFileChunk(job_id=job.id, position=position, data=chunk))
            position += 1
            await session.flush()
        job.file_size = size
        await session.commit()
    return job


def _readable_jobs(ctx: RequestContext) -> Select[tuple[ImportJob]]:
    viewer = ctx.require_viewer()
    statement = select(ImportJob)
    return statement if viewer.is_admin else statement.where(ImportJob.user_id == viewer.user_id)


async def get_job(ctx: RequestContext, pk: int, field: str = "id") -> ImportJob:
    async with ctx.db() as session:
        job = await session.scalar(_readable_jobs(ctx).where(ImportJob.id == pk))
    if job is None:
        raise not_found("ImportJob", pk, field)
    return job


async def list_jobs(ctx: RequestContext, page: PageRequest) -> Page[ImportJob]:
    """The viewer's jobs (an administrator's: everyone's), newest first."""
    return await fetch_page(ctx, _readable_jobs(ctx), [SortKey(ImportJob.id, True)], page)


async def job_rows(
    ctx: RequestContext, job: ImportJob, outcome: str | None, page: PageRequest
) -> Page[ImportRowResult]:
    """A job's row results in file order, of one outcome when given."""
    statement = select(ImportRowResult).where(ImportRowResult.job_id == job.id)
    if outcome is not None:
        statement = statement.where(ImportRowResult.outcome == outcome)
    return await fetch_page(ctx, statement, [SortKey(ImportRowResult.row)], page)


async def fresh_job(ctx: RequestContext, pk: int) -> ImportJob | None:
    """The job as committed now (for watchers), or None once it is gone."""
    async with ctx.db() as session:
        job = await session.scalar(
            _readable_jobs(ctx).where(ImportJob.id == pk).execution_options(populate_existing=True)
        )
    await ctx.release()
    return job


async def fresh_or_none(ctx: RequestContext, pk: int) -> ImportJob | None:
    async with ctx.db() as session:
        job: ImportJob | None = await session.scalar(
            _readable_jobs(ctx).where(ImportJob.id == pk).execution_options(populate_existing=True)
        )
    return job
