"""GraphQL for activities: calls, meetings, e-mails and notes bound to CRM records."""

from __future__ import annotations

import asyncio
import enum
from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from models.crm import Activity as ActivityRow
from models.crm import ActivityDirection, ActivityKind, CrmEntity
from resolvers.crm import activities
from resolvers.crm.fields import ACTIVITY_FIELDS
from schema.context import Info
from schema.crm.common import UserRef, load_user
from schema.crm.filters import DateTimeFilter, IDFilter, StringFilter, aware, to_filter, to_order
from schema.crm.timeline import decode_record_id
from schema.patch import nullable, required
from schema.relay import (
    Connection,
    Node,
    OrderDirection,
    decode_id,
    decode_optional_id,
    node_fetcher,
    page_request,
)

if TYPE_CHECKING:
    from schema.crm.companies import Company
    from schema.crm.contacts import Contact
    from schema.crm.deals import Deal
    from schema.crm.leads import Lead

CrmRecord = Annotated[
    Annotated["Lead", strawberry.lazy("schema.crm.leads")]
    | Annotated["Contact", strawberry.lazy("schema.crm.contacts")]
    | Annotated["Company", strawberry.lazy("schema.crm.companies")]
    | Annotated["Deal", strawberry.lazy("schema.crm.deals")],
    strawberry.union("CrmRecord"),
]

strawberry.enum(ActivityKind)
strawberry.enum(ActivityDirection)


async def load_record(info: Info, entity: CrmEntity, pk: int) -> CrmRecord | None:
    from schema.crm.companies import load_company
    from schema.crm.contacts import load_contact
    from schema.crm.deals import load_deal
    from schema.crm.leads import load_lead

    loaders = {
        CrmEntity.LEAD: load_lead,
        CrmEntity.CONTACT: load_contact,
        CrmEntity.COMPANY: load_company,
        CrmEntity.DEAL: load_deal,
    }
    return await loaders[entity](info, pk)


@strawberry.type
class Activity(Node):
    kind: ActivityKind
    subject: str
    description: str
    direction: ActivityDirection
    start_at: datetime | None
    end_at: datetime | None
    completed: bool
    completed_at: datetime | None
    created_at: datetime
    updated_at: datetime
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

    @strawberry.field
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


@strawberry.input
class ActivityFilter:
    and_: list[ActivityFilter] | None = strawberry.field(default=None, name="and")
    or_: list[ActivityFilter] | None = strawberry.field(default=None, name="or")
    not_: ActivityFilter | None = strawberry.field(default=None, name="not")
    search: str | None = strawberry.field(default=None, description="Part of the subject.")
    id: IDFilter | None = None
    subject: StringFilter | None = None
    assigned_to_id: IDFilter | None = None
    completed: bool | None = None
    start_at: DateTimeFilter | None = None
    created_at: DateTimeFilter | None = None
    updated_at: DateTimeFilter | None = None


@strawberry.enum
class ActivityOrderField(enum.Enum):
    ID = "id"
    SUBJECT = "subject"
    CREATED_AT = "createdAt"
    UPDATED_AT = "updatedAt"


@strawberry.input
class ActivityOrder:
    field: ActivityOrderField
    direction: OrderDirection = OrderDirection.ASC


@strawberry.input
class ActivityInput:
    kind: ActivityKind
    subject: str
    owner_ids: list[strawberry.ID] = strawberry.field(
        description="Leads, contacts, companies or deals the activity belongs to."
    )
    description: str = ""
    direction: ActivityDirection = ActivityDirection.NONE
    start_at: datetime | None = None
    end_at: datetime | None = None
    completed: bool = False
    assigned_to_id: strawberry.ID | None = strawberry.field(
        default=None, description="Default: you."
    )


@strawberry.input
class ActivityPatch:
    subject: str | None = strawberry.UNSET
    description: str | None = strawberry.UNSET
    direction: ActivityDirection | None = strawberry.UNSET
    start_at: datetime | None = strawberry.UNSET
    end_at: datetime | None = strawberry.UNSET
    completed: bool | None = strawberry.UNSET
    assigned_to_id: strawberry.ID | None = strawberry.UNSET


@strawberry.type
class ActivityQueries:
    @strawberry.field(description="Activities; `ownerId` narrows them to one CRM record's.")
    async def activities(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        filter: ActivityFilter | None = None,
        order_by: list[ActivityOrder] | None = None,
        owner_id: strawberry.ID | None = None,
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
    @strawberry.mutation
    async def add_activity(self, info: Info, input: ActivityInput) -> Activity:
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

    @strawberry.mutation
    async def update_activity(
        self, info: Info, id: strawberry.ID, input: ActivityPatch
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

    @strawberry.mutation
    async def complete_activity(self, info: Info, id: strawberry.ID) -> Activity:
        return Activity.of(
            await activities.complete_activity(info.context, decode_id(id, "Activity"))
        )

    @strawberry.mutation
    async def delete_activity(self, info: Info, id: strawberry.ID) -> strawberry.ID:
        await activities.delete_activity(info.context, decode_id(id, "Activity"))
        return id
