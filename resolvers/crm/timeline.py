"""A CRM record's timeline: comments, recorded field changes and activities, newest first."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Select, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from models.crm import CrmEntity, TimelineEntry, TimelineKind
from resolvers.context import RequestContext
from resolvers.crm.visibility import require_visible
from resolvers.cursors import encode_cursor
from resolvers.pagination import Page, PageRequest, SortKey, fetch_page
from resolvers.validation import text

MAX_COMMENT = 10_000
RecordKey = tuple[CrmEntity, int]


class Changes:
    """Field changes made to one record, to write as timeline entries with the change."""

    def __init__(self) -> None:
        self.entries: list[tuple[str, str | None, str | None]] = []

    def set(self, row: Any, attribute: str, value: Any, field: str) -> None:
        """Set ``row.attribute`` and remember the change under its GraphQL ``field`` name."""
        old = getattr(row, attribute)
        if old != value:
            setattr(row, attribute, value)
            self.entries.append((field, _as_text(old), _as_text(value)))

    def note(self, field: str, old: Any, new: Any) -> None:
        if old != new:
            self.entries.append((field, _as_text(old), _as_text(new)))


def _as_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return f"{value:f}"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def write_changes(
    session: AsyncSession, entity: CrmEntity, entity_id: int, author_id: int, changes: Changes
) -> None:
    session.add_all(
        TimelineEntry(
            entity_type=entity,
            entity_id=entity_id,
            kind=TimelineKind.FIELD_CHANGE,
            author_id=author_id,
            field=field,
            old_value=old,
            new_value=new,
        )
        for field, old, new in changes.entries
    )


async def add_comment(
    ctx: RequestContext, entity: CrmEntity, entity_id: int, body: str
) -> TimelineEntry:
    viewer = ctx.require_viewer()
    comment = text(body, "body", max_length=MAX_COMMENT)
    await require_visible(ctx, entity, entity_id, "recordId")
    entry = TimelineEntry(
        entity_type=entity,
        entity_id=entity_id,
        kind=TimelineKind.COMMENT,
        author_id=viewer.user_id,
        body=comment,
    )
    async with ctx.db() as session:
        session.add(entry)
        await session.commit()
    return entry


def _entries(entity: CrmEntity, entity_id: int) -> Select[tuple[TimelineEntry]]:
    return select(TimelineEntry).where(
        TimelineEntry.entity_type == entity, TimelineEntry.entity_id == entity_id
    )


def _of_records(keys: Sequence[RecordKey]) -> ColumnElement[bool]:
    by_entity: dict[CrmEntity, set[int]] = defaultdict(set)
    for entity, entity_id in keys:
        by_entity[entity].add(entity_id)
    return or_(
        *(
            (TimelineEntry.entity_type == entity) & TimelineEntry.entity_id.in_(ids)
            for entity, ids in by_entity.items()
        )
    )


async def first_entries_by_record(
    ctx: RequestContext, keys: list[tuple[CrmEntity, int, int]]
) -> Sequence[list[TimelineEntry]]:
    """Loader: the newest ``limit`` entries of each (entity, id, limit), in one statement
    (a window ranks each record's entries), so a list of records with their timelines
    does not run a query per record."""
    rank = (
        func.row_number()
        .over(
            partition_by=(TimelineEntry.entity_type, TimelineEntry.entity_id),
            order_by=(TimelineEntry.created_at.desc(), TimelineEntry.id.desc()),
        )
        .label("rank")
    )
    ranked = (
        select(TimelineEntry, rank)
        .where(_of_records([(entity, pk) for entity, pk, _ in keys]))
        .subquery()
    )
    entry = aliased(TimelineEntry, ranked)
    statement = (
        select(entry)
        .where(ranked.c.rank <= max(limit for _, _, limit in keys))
        .order_by(ranked.c.rank)
    )
    found: dict[RecordKey, list[TimelineEntry]] = defaultdict(list)
    async with ctx.db() as session:
        for row in (await session.execute(statement)).scalars():
            found[(row.entity_type, row.entity_id)].append(row)
    return [found[(entity, pk)][:limit] for entity, pk, limit in keys]


async def entry_counts_by_record(ctx: RequestContext, keys: list[RecordKey]) -> Sequence[int]:
    statement = (
        select(TimelineEntry.entity_type, TimelineEntry.entity_id, func.count())
        .where(_of_records(keys))
        .group_by(TimelineEntry.entity_type, TimelineEntry.entity_id)
    )
    async with ctx.db() as session:
        counts = {(entity, pk): n for entity, pk, n in (await session.execute(statement)).all()}
    return [counts.get(key, 0) for key in keys]


async def timeline(
    ctx: RequestContext, entity: CrmEntity, entity_id: int, page: PageRequest
) -> Page[TimelineEntry]:
    """Called for a record already read through its visible_x() select. A first page is
    batched with the other records' first pages; later pages are keyset pages of their own."""
    keys = [SortKey(TimelineEntry.created_at, True), SortKey(TimelineEntry.id, True)]
    page = page.validated()
    if page.after is not None or page.before is not None or page.backwards:
        return await fetch_page(ctx, _entries(entity, entity_id), keys, page)
    rows = await ctx.loader(first_entries_by_record).load((entity, entity_id, page.size + 1))
    items = rows[: page.size]

    async def count_total() -> int:
        return await ctx.loader(entry_counts_by_record).load((entity, entity_id))

    return Page(
        items=items,
        cursors=[encode_cursor([row.created_at, row.id]) for row in items],
        has_next_page=len(rows) > page.size,
        has_previous_page=False,
        count_total=count_total,
    )
