"""GraphQL for activities: calls, meetings, e-mails and notes bound to CRM records."""

from __future__ import annotations

import asyncio
import enum
from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from models.crm import Activity as ActivityRow
from models.crm import ActivityDirection, ActivityKind
from models.crm.entities.common import MAX_TEXT, MAX_TITLE
from resolvers.crm import activities
from resolvers.crm.fields import ACTIVITY_FIELDS
from schema.context import Info
from schema.crm.common import UserRef, load_user
from schema.crm.filters import DateTimeFilter, IDFilter, StringFilter, aware, to_filter, to_order
from schema.crm.records import CrmRecord, load_record
from schema.crm.timeline import decode_record_id
from schema.enums import described_enum
from schema.patch import CHANGES, nullable, required
from schema.relay import (
    ORDER_BY,
    After,
    Before,
    Connection,
    First,
    Last,
    Node,
    OrderDirection,
    decode_id,
    decode_optional_id,
    matching,
    node_fetcher,
    page_request,
)

if TYPE_CHECKING:
    pass


described_enum(
    ActivityKind,
    "What sort of interaction an activity records.",
    {
        ActivityKind.CALL: "A phone call.",
        ActivityKind.MEETING: "A meeting.",
        ActivityKind.EMAIL: "An e-mail.",
        ActivityKind.NOTE: "A note, with no other party.",
    },
)
described_enum(
    ActivityDirection,
    "Who started a call or e-mail.",
    {
        ActivityDirection.NONE: "Not applicable (meetings, notes) or not known.",
        ActivityDirection.INCOMING: "The client reached us.",
        ActivityDirection.OUTGOING: "We reached the client.",
    },
)


@strawberry.type(
    description="A call, meeting, e-mail or note bound to one or more CRM records; visible "
    "when the viewer may read at least one of them."
)
class Activity(Node):
    kind: ActivityKind = strawberry.field(description="Call, meeting, e-mail or note.")
    subject: str = strawberry.field(description="A one-line summary.")
    description: str = strawberry.field(description="Plain text; empty when none.")
    direction: ActivityDirection = strawberry.field(description="Incoming, outgoing or neither.")
    start_at: datetime | None = strawberry.field(description="When it starts; null when not set.")
    end_at: datetime | None = strawberry.field(description="When it ends; null when not set.")
    completed: bool = strawberry.field(description="Done (completeActivity).")
    completed_at: datetime | None = strawberry.field(
        description="When it was marked done; null while not completed."
    )
    created_at: datetime = strawberry.field(description="When it was recorded.")
    updated_at: datetime = strawberry.field(description="When it last changed.")
    assigned_to_pk: strawberry.Private[int | None]
    created_by_pk: strawberry.Private[int | None]

    @classmethod
    def of(cls, row: ActivityRow) -> Activity:
        return cls(
            pk=row.id,
            kind=row.kind,
            subject=row.subject,
            description=row.description,
            direction=row.direction,
            start_at=row.start_at,
            end_at=row.end_at,
            completed=row.completed,
            completed_at=row.completed_at,
            created_at=row.created_at,
            updated_at=row.updated_at,
            assigned_to_pk=row.assigned_to_id,
            created_by_pk=row.created_by_id,
        )

    @strawberry.field(description="The responsible user.")
    async def assigned_to(self, info: Info) -> UserRef | None:
        return await load_user(info, self.assigned_to_pk)

    @strawberry.field(description="Who recorded it; null if the account is gone.")
    async def created_by(self, info: Info) -> UserRef | None:
        return await load_user(info, self.created_by_pk)

    @strawberry.field(description="The CRM records this activity is bound to (that you may see).")
    async def owners(self, info: Info) -> list[CrmRecord]:
        keys = await info.context.loader(activities.owners_by_activity_id).load(self.pk)
        records = await asyncio.gather(*(load_record(info, entity, pk) for entity, pk in keys))
        return [record for record in records if record is not None]


async def load_activity(info: Info, pk: int | None) -> Activity | None:
    row = None if pk is None else await info.context.loader(activities.activities_by_id).load(pk)
    return None if row is None else Activity.of(row)


@node_fetcher("Activity")
async def fetch_activity(info: Info, pk: int) -> Activity:
    return Activity.of(await activities.get_activity(info.context, pk))


@strawberry.input(description="Conditions on activities; all given must hold.")
class ActivityFilter:
    and_: list[ActivityFilter] | None = strawberry.field(
        default=None, name="and", description="Every one of these filters holds."
    )
    or_: list[ActivityFilter] | None = strawberry.field(
        default=None, name="or", description="At least one of these filters holds."
    )
    not_: ActivityFilter | None = strawberry.field(
        default=None, name="not", description="This filter does not hold."
    )
    search: str | None = strawberry.field(
        default=None, description="Part of the subject, case-insensitive."
    )
    id: IDFilter | None = strawberry.field(default=None, description="The activity's ID.")
    subject: StringFilter | None = strawberry.field(default=None, description="The subject.")
    assigned_to_id: IDFilter | None = strawberry.field(
        default=None, description="The responsible user's ID."
    )
    completed: bool | None = strawberry.field(
        default=None, description="True: completed ones only; false: open ones only."
    )
    start_at: DateTimeFilter | None = strawberry.field(
        default=None, description="When it starts; null starts match no range."
    )
    created_at: DateTimeFilter | None = strawberry.field(
        default=None, description="When it was recorded."
    )
    updated_at: DateTimeFilter | None = strawberry.field(
        default=None, description="When it last changed."
    )


class ActivityOrderField(enum.Enum):
    ID = "id"
    SUBJECT = "subject"
    CREATED_AT = "createdAt"
    UPDATED_AT = "updatedAt"


described_enum(
    ActivityOrderField,
    "What `activities` can be ordered by; ties are broken by ID.",
    {
        ActivityOrderField.ID: "Creation order.",
        ActivityOrderField.SUBJECT: "The subject, alphabetically.",
        ActivityOrderField.CREATED_AT: "When it was recorded.",
        ActivityOrderField.UPDATED_AT: "When it last changed.",
    },
)


@strawberry.input(description="One key of the order of `activities`.")
class ActivityOrder:
    field: ActivityOrderField = strawberry.field(description="What to sort by.")
    direction: OrderDirection = strawberry.field(
        default=OrderDirection.ASC, description="Ascending unless given."
    )


@strawberry.input(description="A new activity; the viewer is recorded as its creator.")
class ActivityInput:
    kind: ActivityKind = strawberry.field(description="Call, meeting, e-mail or note.")
    subject: str = strawberry.field(description=f"Up to {MAX_TITLE} characters.")
    owner_ids: list[strawberry.ID] = strawberry.field(
        description=f"Leads, contacts, companies or deals the activity belongs to: 1 to "
        f"{activities.MAX_OWNERS}, each one the viewer may read."
    )
    description: str = strawberry.field(
        default="", description=f"Plain text, up to {MAX_TEXT} characters."
    )
    direction: ActivityDirection = strawberry.field(
        default=ActivityDirection.NONE, description="Who started it."
    )
    start_at: datetime | None = strawberry.field(
        default=None, description="When it starts, with a time zone."
    )
    end_at: datetime | None = strawberry.field(
        default=None, description="When it ends, with a time zone."
    )
    completed: bool = strawberry.field(default=False, description="Record it as done already.")
    assigned_to_id: strawberry.ID | None = strawberry.field(
        default=None, description="The responsible user. Default: you."
    )


@strawberry.input(description="Changes to an activity: fields left out stay as they are.")
class ActivityPatch:
    subject: str | None = strawberry.field(default=strawberry.UNSET, description="A new subject.")
    description: str | None = strawberry.field(
        default=strawberry.UNSET, description="A new description."
    )
    direction: ActivityDirection | None = strawberry.field(
        default=strawberry.UNSET, description="A new direction."
    )
    start_at: datetime | None = strawberry.field(
        default=strawberry.UNSET, description="A new start; null removes it."
    )
    end_at: datetime | None = strawberry.field(
        default=strawberry.UNSET, description="A new end; null removes it."
    )
    completed: bool | None = strawberry.field(
        default=strawberry.UNSET, description="Mark it done or open again."
    )
    assigned_to_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET, description="Another responsible user."
    )


ActivityId = Annotated[strawberry.ID, strawberry.argument(description="The activity's ID.")]


@strawberry.type
class ActivityQueries:
    @strawberry.field(description="Activities; `ownerId` narrows them to one CRM record's.")
    async def activities(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
        filter: Annotated[ActivityFilter | None, matching("activities")] = None,
        order_by: Annotated[list[ActivityOrder] | None, ORDER_BY] = None,
        owner_id: Annotated[
            strawberry.ID | None,
            strawberry.argument(
                description="Only the activities of this lead, contact, company or deal."
            ),
        ] = None,
    ) -> Connection[Activity]:
        page = await activities.list_activities(
            info.context,
            to_filter(filter, ACTIVITY_FIELDS),
            to_order(order_by),
            page_request(first, after, last, before),
            owner=None if owner_id is None else decode_record_id(owner_id, "ownerId"),
        )
        return Connection.of(page, Activity.of)


@strawberry.type
class ActivityMutations:
    @strawberry.mutation(description="Records an activity on one or more CRM records.")
    async def add_activity(
        self,
        info: Info,
        input: Annotated[ActivityInput, strawberry.argument(description="The activity.")],
    ) -> Activity:
        new = activities.NewActivity(
            kind=input.kind,
            subject=input.subject,
            owners=[decode_record_id(owner, "ownerIds") for owner in input.owner_ids],
            description=input.description,
            direction=input.direction,
            start_at=aware(input.start_at, "startAt"),
            end_at=aware(input.end_at, "endAt"),
            completed=input.completed,
            assigned_to_id=decode_optional_id(input.assigned_to_id, "User", "assignedToId"),
        )
        return Activity.of(await activities.add_activity(info.context, new))

    @strawberry.mutation(
        description="Changes an activity; FORBIDDEN unless the viewer may update every "
        "record it is bound to."
    )
    async def update_activity(
        self,
        info: Info,
        id: ActivityId,
        input: Annotated[ActivityPatch, CHANGES],
    ) -> Activity:
        start_at = nullable(input.start_at)
        end_at = nullable(input.end_at)
        assigned = required(input.assigned_to_id, "assignedToId")
        changes = activities.ActivityChanges(
            subject=required(input.subject, "subject"),
            description=required(input.description, "description"),
            direction=required(input.direction, "direction"),
            start_at=aware(start_at, "startAt") if isinstance(start_at, datetime) else start_at,
            end_at=aware(end_at, "endAt") if isinstance(end_at, datetime) else end_at,
            completed=required(input.completed, "completed"),
            assigned_to_id=decode_id(assigned, "User", "assignedToId")
            if isinstance(assigned, str)
            else assigned,
        )
        row = await activities.update_activity(info.context, decode_id(id, "Activity"), changes)
        return Activity.of(row)

    @strawberry.mutation(description="Marks an activity done; done already is no error.")
    async def complete_activity(self, info: Info, id: ActivityId) -> Activity:
        return Activity.of(
            await activities.complete_activity(info.context, decode_id(id, "Activity"))
        )

    @strawberry.mutation(
        description="Deletes an activity; FORBIDDEN unless the viewer may delete every "
        "record it is bound to. Answers its ID."
    )
    async def delete_activity(self, info: Info, id: ActivityId) -> strawberry.ID:
        await activities.delete_activity(info.context, decode_id(id, "Activity"))
        return id
