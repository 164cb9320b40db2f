"""GraphQL for imports: ``startImport`` (a file, uploaded as a multipart request), the jobs
and their per-row results, and ``importJobChanged`` pushing a job's progress
(``resolvers/imports/``)."""

from __future__ import annotations

import asyncio
import enum
from collections.abc import AsyncGenerator
from datetime import datetime
from typing import Annotated, Any

import strawberry
from strawberry.file_uploads import Upload

from models import ImportJob as ImportJobRow
from models import ImportRowResult
from models.crm import CrmEntity
from models.crm.entities import type_name_of
from resolvers.errors import BadInput
from resolvers.imports import jobs
from resolvers.imports.mapping import IGNORED, MAPPED, NOT_WRITABLE, REPEATED, UNKNOWN
from schema.access_enums import AccessEntity
from schema.context import Info
from schema.enums import described_enum
from schema.relay import After, Connection, First, decode_id, encode_id, page_request

# A watcher reads the job at most this often: a few pushes a second at most.
WATCH_SECONDS = 0.25


class ImportDuplicates(enum.Enum):
    SKIP = "SKIP"
    UPDATE = "UPDATE"
    CREATE = "CREATE"


class ImportStatus(enum.Enum):
    QUEUED = "QUEUED"
    RUNNING = "RUNNING"
    DONE = "DONE"
    FAILED = "FAILED"


class ImportOutcome(enum.Enum):
    CREATED = "CREATED"
    UPDATED = "UPDATED"
    SKIPPED = "SKIPPED"
    FAILED = "FAILED"


class ImportColumnStatus(enum.Enum):
    MAPPED = MAPPED
    IGNORED = IGNORED
    UNKNOWN = UNKNOWN
    NOT_WRITABLE = NOT_WRITABLE
    REPEATED = REPEATED


described_enum(
    ImportDuplicates,
    "What a row does when a record of the entity shares one of its phones or e-mails "
    "(leads, contacts, companies; deals are always created).",
    {
        ImportDuplicates.SKIP: "Leave the existing record alone; the row is SKIPPED.",
        ImportDuplicates.UPDATE: "Update the existing record with the row's values (its phones "
        "and e-mails are added to the record's).",
        ImportDuplicates.CREATE: "Create a new record all the same.",
    },
)
described_enum(
    ImportStatus,
    "Where an import job is.",
    {
        ImportStatus.QUEUED: "Waiting for a worker.",
        ImportStatus.RUNNING: "A worker is going through its rows.",
        ImportStatus.DONE: "Every row was tried: see the counts and the rows.",
        ImportStatus.FAILED: "Stopped: see `error`. Rows done before are kept.",
    },
)
described_enum(
    ImportOutcome,
    "What one row came to.",
    {
        ImportOutcome.CREATED: "A record was created (a dry run: would be).",
        ImportOutcome.UPDATED: "An existing record was updated (a dry run: would be).",
        ImportOutcome.SKIPPED: "A record with its phone or e-mail exists: left alone.",
        ImportOutcome.FAILED: "Refused: see its errors.",
    },
)
described_enum(
    ImportColumnStatus,
    "What became of a column of the file.",
    {
        ImportColumnStatus.MAPPED: "Its values fill `field`.",
        ImportColumnStatus.IGNORED: "The mapping leaves it out (or it has no header).",
        ImportColumnStatus.UNKNOWN: "Its header names no field: left out.",
        ImportColumnStatus.NOT_WRITABLE: "It names a field no import writes (`id`, "
        "`createdAt`…): left out.",
        ImportColumnStatus.REPEATED: "An earlier column fills the same field: left out.",
    },
)


@strawberry.input(description="How one column of the file is read.")
class ImportColumn:
    column: str = strawberry.field(description="The column's header, as in the file.")
    field: str | None = strawberry.field(
        default=None,
        description="The field it fills: an API name (`firstName`, `assignedToId`, `phones`, "
        "`emails`) or a custom field's code; null to ignore the column.",
    )


@strawberry.type(description="A column of the file and the field it fills.")
class ImportColumnUse:
    column: str = strawberry.field(description="The column's header.")
    field: str | None = strawberry.field(description="The field it fills, if any.")
    status: ImportColumnStatus = strawberry.field(description="Whether it is read, and why not.")


@strawberry.type(description="Why a row was refused.")
class ImportRowError:
    field: str | None = strawberry.field(description="The field (or `file`) at fault, if one.")
    message: str = strawberry.field(description="What is wrong.")


@strawberry.type(description="What one data row of the file came to.")
class ImportRow:
    row: int = strawberry.field(description="Its number among the data rows, from 1.")
    outcome: ImportOutcome = strawberry.field(description="What it came to.")
    record_id: strawberry.ID | None = strawberry.field(
        description="The record created, updated or skipped (null for a dry run's creations)."
    )
    errors: list[ImportRowError] = strawberry.field(description="Why it failed; empty otherwise.")

    @classmethod
    def of(cls, row: ImportRowResult, entity: CrmEntity) -> ImportRow:
        return cls(
            row=row.row,
            outcome=ImportOutcome(row.outcome),
            record_id=None
            if row.record_id is None
            else encode_id(type_name_of(entity), row.record_id),
            errors=[
                ImportRowError(field=item["field"], message=item["message"]) for item in row.errors
            ],
        )


OutcomeArg = Annotated[
    ImportOutcome | None, strawberry.argument(description="Only rows of this outcome.")
]


@strawberry.type(description="An import of a file into leads, contacts, companies or deals.")
class ImportJob:
    id: strawberry.ID = strawberry.field(description="The job's ID.")
    entity: AccessEntity = strawberry.field(description="The records it makes.")
    status: ImportStatus = strawberry.field(description="Where it is.")
    dry_run: bool = strawberry.field(description="Rows are checked, nothing is written.")
    duplicates: ImportDuplicates = strawberry.field(description="What a duplicate row does.")
    file_name: str = strawberry.field(description="The uploaded file's name.")
    file_size: int = strawberry.field(description="Its size in bytes.")
    file_format: str | None = strawberry.field(description="CSV or XLSX, once read.")
    encoding: str | None = strawberry.field(description="A CSV file's encoding (given or found).")
    delimiter: str | None = strawberry.field(description="A CSV file's delimiter (given or found).")
    columns: list[ImportColumnUse] = strawberry.field(
        description="The file's columns and what each fills, once its header is read."
    )
    total: int | None = strawberry.field(description="Its data rows, once counted.")
    processed: int = strawberry.field(description="Rows done so far.")
    created: int = strawberry.field(description="Rows that created a record.")
    updated: int = strawberry.field(description="Rows that updated one.")
    skipped: int = strawberry.field(description="Duplicate rows left alone.")
    failed: int = strawberry.field(description="Rows refused.")
    progress: float = strawberry.field(description="Done, from 0 to 1.")
    error: str | None = strawberry.field(description="Why the job FAILED.")
    created_at: datetime = strawberry.field(description="When it was asked for.")
    started_at: datetime | None = strawberry.field(description="When a worker first took it.")
    finished_at: datetime | None = strawberry.field(description="When it ended.")
    pk: strawberry.Private[int]
    record_entity: strawberry.Private[CrmEntity]

    @strawberry.field(description="The rows' results, in file order.")
    async def rows(
        self, info: Info, first: First = None, after: After = None, outcome: OutcomeArg = None
    ) -> Connection[ImportRow]:
        job = await jobs.get_job(info.context, self.pk)
        page = await jobs.job_rows(
            info.context,
            job,
            None if outcome is None else outcome.value,
            page_request(first, after, None, None),
        )
        return Connection.of(page, lambda row: ImportRow.of(row, self.record_entity))

    @classmethod
    def of(cls, row: ImportJobRow) -> ImportJob:
        processed = row.created + row.updated + row.skipped + row.failed
        if row.status == "DONE":
            progress = 1.0
        elif row.total:
            progress = min(processed / row.total, 1.0)
        else:
            progress = 0.0
        return cls(
            id=encode_id("ImportJob", row.id),
            entity=AccessEntity(row.entity),
            status=ImportStatus(row.status),
            dry_run=row.dry_run,
            duplicates=ImportDuplicates(row.duplicates),
            file_name=row.file_name,
            file_size=row.file_size,
            file_format=row.file_format,
            encoding=row.encoding,
            delimiter=row.delimiter,
            columns=[
                ImportColumnUse(
                    column=item["column"],
                    field=item["field"],
                    status=ImportColumnStatus(item["status"]),
                )
                for item in row.columns
            ],
            total=row.total,
            processed=processed,
            created=row.created,
            updated=row.updated,
            skipped=row.skipped,
            failed=row.failed,
            progress=progress,
            error=row.error,
            created_at=row.created_at,
            started_at=row.started_at,
            finished_at=row.finished_at,
            pk=row.id,
            record_entity=row.entity,
        )


JobId = Annotated[strawberry.ID, strawberry.argument(description="The job's ID.")]


@strawberry.type
class ImportQueries:
    @strawberry.field(
        description="An import job of yours (an administrator: anyone's); null "
        "when there is none you may see."
    )
    async def import_job(self, info: Info, id: JobId) -> ImportJob | None:
        pk = decode_id(id, "ImportJob")
        job = await jobs.fresh_or_none(info.context, pk)
        return None if job is None else ImportJob.of(job)

    @strawberry.field(description="Your import jobs (an administrator: everyone's), newest first.")
    async def import_jobs(
        self, info: Info, first: First = None, after: After = None
    ) -> Connection[ImportJob]:
        page = await jobs.list_jobs(info.context, page_request(first, after, None, None))
        return Connection.of(page, ImportJob.of)


@strawberry.type
class ImportMutations:
    @strawberry.mutation(
        description="Imports a CSV or XLSX file (a multipart request) into records of `entity`, "
        "in the background: each row goes through the create command (or the update, for a "
        "duplicate under UPDATE), as the API would take it. Needs the IMPORT right on the "
        "entity (FORBIDDEN otherwise). Answers the queued job; follow it with `importJob` or "
        "`importJobChanged`."
    )
    async def start_import(
        self,
        info: Info,
        entity: Annotated[AccessEntity, strawberry.argument(description="The records to make.")],
        file: Annotated[
            Upload,
            strawberry.argument(
                description="The file: CSV (any delimiter of , ; tab |) "
                "or XLSX (its first sheet), a header line first."
            ),
        ],
        mapping: Annotated[
            list[ImportColumn] | None,
            strawberry.argument(
                description="Columns read otherwise than their header says; a header not "
                "named here maps to the field it names (API name, export column, custom "
                "field code or name; case and spaces aside)."
            ),
        ] = None,
        dry_run: Annotated[
            bool, strawberry.argument(description="Check every row, write nothing.")
        ] = False,
        duplicates: Annotated[
            ImportDuplicates, strawberry.argument(description="What a duplicate row does.")
        ] = ImportDuplicates.SKIP,
        encoding: Annotated[
            str | None,
            strawberry.argument(
                description="A CSV file's encoding (default: UTF-8 if it "
                "decodes as such, with or without a BOM, else Windows-1251)."
            ),
        ] = None,
        delimiter: Annotated[
            str | None,
            strawberry.argument(description="A CSV file's delimiter (default: detected)."),
        ] = None,
    ) -> ImportJob:
        request = jobs.ImportRequest(
            entity=entity.value,
            mapping=[(item.column, item.field) for item in mapping or []],
            dry_run=dry_run,
            duplicates=duplicates.value,
            encoding=encoding,
            delimiter=delimiter,
        )
        config = info.context.services.imports
        job = await jobs.start_import(info.context, request, _upload(file), config.max_bytes)
        if config.wake is not None:
            config.wake()
        return ImportJob.of(job)


def _upload(file: Any) -> jobs.Upload:
    if not hasattr(file, "read"):
        raise BadInput("Send the file as a multipart request (the upload spec)", field="file")
    upload: jobs.Upload = file
    return upload


@strawberry.type
class ImportSubscriptions:
    @strawberry.subscription(
        description="An import job of yours as it moves: now, then whenever its status or "
        "counts change (at most a few times a second); ends once it is DONE or FAILED."
    )
    async def import_job_changed(self, info: Info, id: JobId) -> AsyncGenerator[ImportJob, None]:
        pk = decode_id(id, "ImportJob")
        await jobs.get_job(info.context, pk)
        await info.context.release()
        seen = -1
        while True:
            job = await jobs.fresh_job(info.context, pk)
            if job is None:
                return
            if job.version != seen:
                seen = job.version
                yield ImportJob.of(job)
            if job.status in ("DONE", "FAILED"):
                return
            await asyncio.sleep(WATCH_SECONDS)
