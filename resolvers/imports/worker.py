"""Running import jobs, in any process, surviving the death of the one running them.

A worker claims a job (QUEUED, or RUNNING with an expired lease) by a compare-and-set on
its row, then works through it in batches. Each batch is one transaction that first renews
the lease — only while the job is still this worker's, which fences off a worker whose
lease was taken over — then runs its rows (each in a savepoint, through the create or update
command), then writes their results, the counts and the next row to read. So the records a
batch made and the cursor past them commit together: a worker killed mid-batch leaves
nothing of that batch, and whoever takes the job over starts at the cursor, creating no
record twice. A dry run rolls the rows' work back and keeps only their results.

A job taken over ``max_attempts`` times is FAILED (with why), never silently lost.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from itertools import islice
from typing import IO

from sqlalchemy import func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from auth.tokens import current_standing
from auth.viewer import Viewer
from models import Event, ImportFileChunk, ImportJob, ImportRowResult, utcnow
from resolvers.access.loading import policy_for
from resolvers.context import RequestContext, Services
from resolvers.crm.custom_fields import definitions
from resolvers.imports.mapping import ColumnUse, map_columns, targets_of
from resolvers.imports.reading import (
    Layout,
    RowError,
    UnreadableFile,
    detect_layout,
    read_rows,
    spooled,
)
from resolvers.imports.rows import FAILED, Outcome, import_row
from resolvers.imports.values import Lookups, row_values
from subscriptions.publisher import note_event_written

log = logging.getLogger(__name__)
_COUNTED = {"CREATED": "created", "UPDATED": "updated", "SKIPPED": "skipped", "FAILED": "failed"}


class LeaseLost(Exception):
    """Another worker holds the job now: this one stops without writing."""


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"


async def claim(services: Services, worker: str, now_offset: float = 0.0) -> int | None:
    """Takes the oldest job waiting or abandoned (its lease ran out); gives up (FAILED) one
    abandoned too often. Returns the job's id, or None when there is none."""
    config = services.imports
    while True:
        now = utcnow() + timedelta(seconds=now_offset)
        waiting = or_(
            ImportJob.status == "QUEUED",
            (ImportJob.status == "RUNNING") & (ImportJob.lease_until < now),
        )
        async with services.session_factory() as session:
            job = await session.scalar(select(ImportJob).where(waiting).order_by(ImportJob.id))
            if job is None:
                return None
            if job.status == "RUNNING" and job.attempts >= config.max_attempts:
                values = {
                    "status": "FAILED",
                    "error": f"The import stopped {job.attempts} times before it ended (its "
                    "worker was interrupted); given up. Rows done so far are kept.",
                    "finished_at": now,
                    "claimed_by": None,
                    "lease_until": None,
                    "version": ImportJob.version + 1,
                }
            else:
                values = {
                    "status": "RUNNING",
                    "claimed_by": worker,
                    "lease_until": now + timedelta(seconds=config.lease_seconds),
                    "attempts": ImportJob.attempts + 1,
                    "started_at": func.coalesce(ImportJob.started_at, now),
                    "version": ImportJob.version + 1,
                }
            taken = await session.execute(
                update(ImportJob).where(ImportJob.id == job.id, waiting).values(**values)
            )
            await session.commit()
            if taken.rowcount == 1 and values["status"] == "RUNNING":  # type: ignore[attr-defined]
                return job.id


async def run_job(
    services: Services, job_id: int, worker: str, *, max_batches: int | None = None
) -> None:
    """Works through a claimed job from its cursor to the end (or ``max_batches`` batches:
    a test's way to stop a worker mid-job, as a kill would, without releasing the job)."""
    async with services.session_factory() as session:
        job = await session.get(ImportJob, job_id)
        assert job is not None
        spool = await _spool(session, job_id)
    try:
        await _run(services, job, worker, spool, max_batches)
    except LeaseLost:
        log.info("import %s: taken over by another worker", job_id)
    finally:
        spool.close()


async def _spool(session: AsyncSession, job_id: int) -> IO[bytes]:
    positions = list(
        await session.scalars(
            select(ImportFileChunk.position)
            .where(ImportFileChunk.job_id == job_id)
            .order_by(ImportFileChunk.position)
        )
    )
    spool = spooled([])
    for position in positions:
        data = await session.scalar(
            select(ImportFileChunk.data).where(
                ImportFileChunk.job_id == job_id, ImportFileChunk.position == position
            )
        )
        spool.write(data or b"")
    spool.seek(0)
    return spool


async def _run(
    services: Services, job: ImportJob, worker: str, spool: IO[bytes], max_batches: int | None
) -> None:
    try:
        layout = detect_layout(spool, job.encoding, job.delimiter)
        total = _count(spool, layout)
    except (UnreadableFile, LookupError) as error:
        await _finish(services, job.id, worker, "FAILED", str(error))
        return
    except RowError:
        total = None
    rows = read_rows(spool, layout)
    try:
        header = next(rows)
    except StopIteration:
        await _finish(services, job.id, worker, "FAILED", "The file is empty: no header line")
        return
    except (RowError, UnreadableFile) as error:
        await _finish(services, job.id, worker, "FAILED", f"The header cannot be read: {error}")
        return
    owner = await _owner(services, job.user_id)
    if owner is None:
        await _finish(services, job.id, worker, "FAILED", "The importer is no longer active")
        return
    probe = RequestContext(services=services, viewer=owner)
    try:
        targets = targets_of(job.entity, await definitions(probe, job.entity))
    finally:
        await probe.close()
    mapping = [(column, name) for column, name in job.mapping]
    uses = map_columns(header, targets, mapping)
    await _describe(services, job.id, worker, layout, uses, total)
    numbered = _numbered(rows, job.next_row)
    lookups = Lookups(probe)
    batches = 0
    while max_batches is None or batches < max_batches:
        batch: list[tuple[int, list[str]]] = []
        broken: tuple[int, str] | None = None
        try:
            batch.extend(islice(numbered, services.imports.batch_rows))
        except _Broken as error:
            broken = (error.number, str(error))
        if not batch and broken is None:
            await _finish(services, job.id, worker, "DONE", None)
            return
        await _batch(services, job, worker, uses, lookups, batch, broken)
        batches += 1
        if broken is not None:
            await _finish(services, job.id, worker, "FAILED", f"Row {broken[0]}: {broken[1]}")
            return


class _Broken(Exception):
    def __init__(self, number: int, message: str) -> None:
        super().__init__(message)
        self.number = number


def _numbered(rows: Iterator[list[str]], start: int) -> Iterator[tuple[int, list[str]]]:
    """The data rows numbered from 1, from ``start`` on; blank lines are left out (and not
    numbered, so a resumed job numbers as the first run did)."""
    number = 0
    while True:
        try:
            cells = next(rows)
        except StopIteration:
            return
        except RowError as error:
            raise _Broken(number + 1, str(error)) from error
        if not any(cell.strip() for cell in cells):
            continue
        number += 1
        if number >= start:
            yield number, cells


def _count(spool: IO[bytes], layout: Layout) -> int:
    """The data rows of the file (non-blank, header left out); RowError if unreadable."""
    count = -1
    for cells in read_rows(spool, layout):
        if any(cell.strip() for cell in cells):
            count += 1
    spool.seek(0)
    return max(count, 0)


async def _owner(services: Services, user_id: int) -> Viewer | None:
    bare = Viewer(
        user_id=user_id, is_admin=False, department_id=None, department_path="", token_id=0
    )
    async with services.session_factory() as session:
        return await current_standing(session, bare)


async def _renew(session: AsyncSession, services: Services, job_id: int, worker: str) -> None:
    renewed = await session.execute(
        update(ImportJob)
        .where(
            ImportJob.id == job_id, ImportJob.claimed_by == worker, ImportJob.status == "RUNNING"
        )
        .values(lease_until=utcnow() + timedelta(seconds=services.imports.lease_seconds))
    )
    if renewed.rowcount != 1:  # type: ignore[attr-defined]
        await session.rollback()
        raise LeaseLost


async def _describe(
    services: Services,
    job_id: int,
    worker: str,
    layout: Layout,
    uses: list[ColumnUse],
    total: int | None,
) -> None:
    async with services.session_factory() as session:
        await _renew(session, services, job_id, worker)
        await session.execute(
            update(ImportJob)
            .where(ImportJob.id == job_id)
            .values(
                file_format=layout.file_format,
                encoding=layout.encoding,
                delimiter=layout.delimiter,
                columns=[use.as_json() for use in uses],
                total=total,
                version=ImportJob.version + 1,
            )
        )
        await session.commit()


async def _batch(
    services: Services,
    job: ImportJob,
    worker: str,
    uses: list[ColumnUse],
    lookups: Lookups,
    batch: list[tuple[int, list[str]]],
    broken: tuple[int, str] | None,
) -> None:
    results: list[tuple[int, Outcome]] = []
    async with services.session_factory() as outer:
        await _renew(outer, services, job.id, worker)
        owner = await current_standing(
            outer,
            Viewer(job.user_id, is_admin=False, department_id=None, department_path="", token_id=0),
        )
        if owner is None:
            results = [
                (number, Outcome(FAILED, None, ((None, "The importer is no longer active"),)))
                for number, _ in batch
            ]
        else:
            joined = async_sessionmaker(
                bind=await outer.connection(),
                join_transaction_mode="create_savepoint",
                expire_on_commit=False,
                autoflush=False,
            )
            ctx = RequestContext(
                services=replace(services, session_factory=joined),
                viewer=owner,
                policy=await policy_for(services, owner),
            )
            lookups.ctx = ctx
            try:
                for number, cells in batch:
                    results.append((number, await _one(ctx, job, uses, lookups, cells)))
            finally:
                await ctx.close()
        if job.dry_run:
            await outer.rollback()
            await _renew(outer, services, job.id, worker)
        if broken is not None:
            results.append((broken[0], Outcome(FAILED, None, (("file", broken[1]),))))
        outer.add_all(
            ImportRowResult(
                job_id=job.id,
                row=number,
                outcome=outcome.outcome,
                record_id=None
                if job.dry_run and outcome.outcome == "CREATED"
                else outcome.record_id,
                errors=[{"field": field, "message": message} for field, message in outcome.errors],
            )
            for number, outcome in results
        )
        counts = dict.fromkeys(_COUNTED.values(), 0)
        for _, outcome in results:
            counts[_COUNTED[outcome.outcome]] += 1
        await outer.execute(
            update(ImportJob)
            .where(ImportJob.id == job.id)
            .values(
                next_row=max(number for number, _ in results) + 1,
                version=ImportJob.version + 1,
                **{name: getattr(ImportJob, name) + count for name, count in counts.items()},
            )
        )
        if not job.dry_run:
            written = await outer.scalar(select(func.max(Event.seq)))
            if written is not None:
                note_event_written(outer.sync_session, written)
        await outer.commit()


async def _one(
    ctx: RequestContext, job: ImportJob, uses: list[ColumnUse], lookups: Lookups, cells: list[str]
) -> Outcome:
    try:
        values = await row_values(lookups, uses, cells)
        return await import_row(ctx, job.entity, values, job.duplicates)
    except Exception as error:
        # A fault of ours or of the database on this row: logged, the row failed, the others go on.
        log.exception("import %s: a row failed unexpectedly", job.id)
        return Outcome(FAILED, None, ((None, f"Internal error ({type(error).__name__})"),))


async def _finish(
    services: Services, job_id: int, worker: str, status: str, error: str | None
) -> None:
    async with services.session_factory() as session:
        await _renew(session, services, job_id, worker)
        await session.execute(
            update(ImportJob)
            .where(ImportJob.id == job_id)
            .values(
                status=status,
                error=None if error is None else error[:1000],
                finished_at=utcnow(),
                claimed_by=None,
                lease_until=None,
                version=ImportJob.version + 1,
            )
        )
        await session.commit()


async def run_pending(services: Services, worker: str) -> int:
    """Claims and runs jobs until none waits; returns how many it ran."""
    ran = 0
    while (job_id := await claim(services, worker)) is not None:
        await run_job(services, job_id, worker)
        ran += 1
    return ran


async def release(services: Services, worker: str) -> None:
    """Lets go of the jobs ``worker`` holds (a process shutting down), for another to take
    over from their cursor at once rather than when the lease runs out."""
    async with services.session_factory() as session:
        await session.execute(
            update(ImportJob)
            .where(ImportJob.claimed_by == worker, ImportJob.status == "RUNNING")
            .values(lease_until=utcnow())
        )
        await session.commit()
