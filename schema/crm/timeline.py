"""GraphQL for timelines: one connection per CRM record, and comments added to it."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from models.crm import CrmEntity, TimelineKind
from models.crm import TimelineEntry as TimelineEntryRow
from models.crm.entities import NAME_KEY, FieldKind, declaration_of
from resolvers.crm import timeline
from resolvers.crm.record_access import hide_values, links_hidden_elsewhere
from resolvers.errors import BadInput
from schema.context import Info
from schema.crm.common import UserRef, load_user
from schema.enums import described_enum
from schema.relay import Connection, decode_any_id, encode_id, page_request

if TYPE_CHECKING:
    from schema.crm.activities import Activity

ActivityRef = Annotated["Activity", strawberry.lazy("schema.crm.activities")]

described_enum(
    TimelineKind,
    "What a timeline entry records.",
    {
        TimelineKind.COMMENT: "A comment (addTimelineComment); see `body`.",
        TimelineKind.FIELD_CHANGE: "A change of one field; see `field`, `oldValue`, `newValue`.",
        TimelineKind.ACTIVITY: "An activity bound to the record; see `activity`.",
        TimelineKind.MERGED: "Other records were merged into this one (mergeContacts, …); "
        "`body` names them, empty when their names are hidden from the viewer.",
    },
)

RECORD_TYPES = {
    "Lead": CrmEntity.LEAD,
    "Contact": CrmEntity.CONTACT,
    "Company": CrmEntity.COMPANY,
    "Deal": CrmEntity.DEAL,
}


def decode_record_id(global_id: str, field: str) -> tuple[CrmEntity, int]:
    """A lead's, contact's, company's or deal's global ID as (entity, primary key)."""
    type_name, pk = decode_any_id(global_id, field)
    entity = RECORD_TYPES.get(type_name)
    if entity is None:
        raise BadInput(f"'{field}' must be the ID of a lead, contact, company or deal", field=field)
    return entity, pk


@strawberry.type(description="A line of a record's timeline; timelines read newest first.")
class TimelineEntry:
    pk: strawberry.Private[int]
    kind: TimelineKind = strawberry.field(description="Comment, field change or activity.")
    created_at: datetime = strawberry.field(description="When it happened.")
    body: str = strawberry.field(
        description="A comment's text; MERGED: the merged records' names, joined by '; '; "
        "empty for the other kinds."
    )
    field: str = strawberry.field(
        description="FIELD_CHANGE: the GraphQL name of the field; empty for the other kinds."
    )
    old_value: str | None = strawberry.field(
        description="FIELD_CHANGE: the value before, as text (references as global IDs, "
        "several joined by commas); null when there was none, or when the field is hidden "
        "from the viewer."
    )
    new_value: str | None = strawberry.field(
        description="FIELD_CHANGE: the value after, written as `oldValue`; null when the field "
        "was cleared or is hidden from the viewer."
    )
    author_pk: strawberry.Private[int | None]
    activity_pk: strawberry.Private[int | None]

    @strawberry.field(description="Opaque and stable, as every ID.")
    def id(self) -> strawberry.ID:
        return encode_id("TimelineEntry", self.pk)

    @strawberry.field(
        description="Who commented, made the change or recorded the activity; null if the "
        "account is gone."
    )
    async def author(self, info: Info) -> UserRef | None:
        return await load_user(info, self.author_pk)

    @strawberry.field(description="ACTIVITY: the activity; null for the other kinds.")
    async def activity(self, info: Info) -> ActivityRef | None:
        from schema.crm.activities import load_activity

        return await load_activity(info, self.activity_pk)

    @classmethod
    def of(cls, row: TimelineEntryRow, hidden: frozenset[str] = frozenset()) -> TimelineEntry:
        """``hidden``: the record's hidden fields; a change of one shows no values."""
        # A merge's entry names the merged records: shown as their names would be.
        merged = row.kind is TimelineKind.MERGED
        shown = not hide_values(row.entity_type, hidden, NAME_KEY if merged else row.field)
        return cls(
            pk=row.id,
            kind=row.kind,
            created_at=row.created_at,
            body=row.body if shown or not merged else "",
            field=row.field,
            old_value=_readable(row.entity_type, row.field, row.old_value) if shown else None,
            new_value=_readable(row.entity_type, row.field, row.new_value) if shown else None,
            author_pk=row.author_id,
            activity_pk=row.activity_id,
        )


TimelineConnection = Connection[TimelineEntry]


def _readable(entity: CrmEntity, key: str, value: str | None) -> str | None:
    """Changed references are recorded as primary keys; clients see global IDs."""
    type_name = next(
        (
            field.target
            for field in declaration_of(entity).fields
            if field.change_key == key and field.kind in (FieldKind.ID, FieldKind.LINKS)
        ),
        None,
    )
    if type_name is None or not value:
        return value
    return ",".join(encode_id(type_name, int(pk)) for pk in value.split(","))


async def timeline_of(
    info: Info,
    entity: CrmEntity,
    pk: int,
    hidden: frozenset[str],
    first: int | None,
    after: str | None,
    last: int | None,
    before: str | None,
) -> Connection[TimelineEntry]:
    page = await timeline.timeline(
        info.context, entity, pk, page_request(first, after, last, before)
    )
    shown_nowhere = hidden | links_hidden_elsewhere(info.context.require_policy(), entity)
    return Connection.of(page, lambda row: TimelineEntry.of(row, shown_nowhere))


@strawberry.type
class TimelineMutations:
    @strawberry.mutation(
        description="Adds a comment to a lead's, contact's, company's or deal's timeline."
    )
    async def add_timeline_comment(
        self,
        info: Info,
        record_id: Annotated[
            strawberry.ID,
            strawberry.argument(
                description="The lead, contact, company or deal; one you may read."
            ),
        ],
        body: Annotated[
            str,
            strawberry.argument(
                description=f"Plain text, up to {timeline.MAX_COMMENT} characters."
            ),
        ],
    ) -> TimelineEntry:
        entity, pk = decode_record_id(record_id, "recordId")
        return TimelineEntry.of(await timeline.add_comment(info.context, entity, pk, body))
