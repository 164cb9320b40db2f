"""A CRM record's timeline: comments, recorded field changes and activities, newest first."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.crm import CrmEntity, TimelineEntry, TimelineKind
from resolvers.context import RequestContext
from resolvers.crm.visibility import require_visible
from resolvers.pagination import Page, PageRequest, SortKey, fetch_page
from resolvers.validation import text

MAX_COMMENT = 10_000


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


async def timeline(
    ctx: RequestContext, entity: CrmEntity, entity_id: int, page: PageRequest
) -> Page[TimelineEntry]:
    """Called for a record already read through its visible_x() select."""
    keys = [SortKey(TimelineEntry.created_at, True), SortKey(TimelineEntry.id, True)]
    return await fetch_page(ctx, _entries(entity, entity_id), keys, page)
