"""GraphQL for contacts: the type, the `contacts` list, create / update / delete."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, TypeAlias

import strawberry

from models import OwnerKind
from models.crm import Contact as ContactRow
from models.crm import CrmEntity
from resolvers.crm import contacts, records
from resolvers.crm.record_access import RecordFacts
from schema.access import RecordAccess
from schema.attachments import attachments_field
from schema.context import Info
from schema.crm.common import (
    Communication,
    UserRef,
    load_communications,
    load_user,
)
from schema.crm.custom_values import (
    WithCustomFields,
)
from schema.crm.filters import ViewArg, with_view
from schema.crm.generated import (
    create_values,
    order_field,
    patch_changes,
    record_filter,
    record_input,
    record_patch,
)
from schema.crm.linked_tasks import linked_tasks_field
from schema.crm.masking import Masked, masked, record_access, record_hidden_fields
from schema.crm.timeline import TimelineConnection, timeline_of
from schema.relay import (
    Connection,
    Node,
    OrderDirection,
    decode_id,
    node_fetcher,
    page_request,
)

if TYPE_CHECKING:
    from schema.crm.companies import Company
    from schema.crm.leads import Lead

CompanyRef = Annotated["Company", strawberry.lazy("schema.crm.companies")]
LeadRef = Annotated["Lead", strawberry.lazy("schema.crm.leads")]


@strawberry.type
class Contact(Node, WithCustomFields):
    first_name: str | None = masked()
    last_name: str | None = masked()
    position: str | None = masked()
    opened: bool | None = masked()
    created_at: datetime | None = masked()
    updated_at: datetime | None = masked()
    assigned_to_pk: strawberry.Private[int | None]
    created_by_pk: strawberry.Private[int | None]
    source_lead_pk: strawberry.Private[int | None]

    tasks = linked_tasks_field(CrmEntity.CONTACT)
    attachments = attachments_field(OwnerKind.CONTACT)

    @classmethod
    def of(cls, row: ContactRow) -> Contact:
        return cls(
            pk=row.id,
            first_name=row.first_name,
            last_name=row.last_name,
            position=row.position,
            opened=row.opened,
            created_at=row.created_at,
            updated_at=row.updated_at,
            assigned_to_pk=row.assigned_to_id,
            created_by_pk=row.created_by_id,
            source_lead_pk=row.source_lead_id,
        )

    def facts(self) -> RecordFacts:
        return RecordFacts(CrmEntity.CONTACT, self.assigned_to_pk, bool(self.opened), None)

    @strawberry.field(
        description="What you may do with this contact, and which fields you may not see."
    )
    async def access(self, info: Info) -> RecordAccess:
        return await record_access(info, self.facts())

    @strawberry.field(extensions=[Masked(covers=["firstName", "lastName"])])
    def name(self) -> str | None:
        return " ".join(part for part in (self.first_name, self.last_name) if part)

    @strawberry.field(extensions=[Masked()])
    async def communications(self, info: Info) -> list[Communication] | None:
        return await load_communications(info, CrmEntity.CONTACT, self.pk)

    @strawberry.field(extensions=[Masked()])
    async def companies(self, info: Info) -> list[CompanyRef] | None:
        from schema.crm.companies import Company

        rows = await info.context.loader(contacts.companies_by_contact_id).load(self.pk)
        return [Company.of(row) for row in rows]

    @strawberry.field(extensions=[Masked()])
    async def assigned_to(self, info: Info) -> UserRef | None:
        return await load_user(info, self.assigned_to_pk)

    @strawberry.field(extensions=[Masked()])
    async def created_by(self, info: Info) -> UserRef | None:
        return await load_user(info, self.created_by_pk)

    @strawberry.field(
        description="The lead this contact was converted from.", extensions=[Masked()]
    )
    async def source_lead(self, info: Info) -> LeadRef | None:
        from schema.crm.leads import load_lead

        return await load_lead(info, self.source_lead_pk)

    @strawberry.field(description="Activities, comments and field changes, newest first.")
    async def timeline(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> TimelineConnection:
        hidden = await record_hidden_fields(info, self.facts())
        return await timeline_of(
            info, CrmEntity.CONTACT, self.pk, hidden, first, after, last, before
        )


async def load_contact(info: Info, pk: int | None) -> Contact | None:
    row = None if pk is None else await records.load_record(info.context, CrmEntity.CONTACT, pk)
    return None if row is None else Contact.of(row)


@node_fetcher("Contact")
async def fetch_contact(info: Info, pk: int) -> Contact:
    return Contact.of(await records.get_record(info.context, CrmEntity.CONTACT, pk))


if TYPE_CHECKING:
    ContactFilter: TypeAlias = Any
    ContactOrderField: TypeAlias = Any
else:
    ContactFilter = record_filter(
        CrmEntity.CONTACT, "ContactFilter", __name__, "Part of the name, a phone, an e-mail…"
    )
    ContactOrderField = order_field(CrmEntity.CONTACT, "ContactOrderField")


@strawberry.input
class ContactOrder:
    field: ContactOrderField | None = strawberry.field(
        default=None, description="A built-in field to sort by; or give `custom`."
    )
    custom: str | None = strawberry.field(
        default=None, description="A custom field's code: records without a value sort last."
    )
    direction: OrderDirection = OrderDirection.ASC


if TYPE_CHECKING:
    ContactInput: TypeAlias = Any
else:
    ContactInput = record_input(
        CrmEntity.CONTACT, "ContactInput", "A first or a last name is needed."
    )

if TYPE_CHECKING:
    ContactPatch: TypeAlias = Any
else:
    ContactPatch = record_patch(
        CrmEntity.CONTACT,
        "ContactPatch",
        "Fields left out stay as they are; lists are replaced whole.",
    )


@strawberry.type
class ContactQueries:
    @strawberry.field(description="Contacts you may see, filtered and ordered.")
    async def contacts(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        filter: ContactFilter | None = None,
        order_by: list[ContactOrder] | None = None,
        view: ViewArg = None,
    ) -> Connection[Contact]:
        applied = await with_view(info, CrmEntity.CONTACT, filter, order_by, view)
        page = await records.list_of(
            info.context,
            CrmEntity.CONTACT,
            applied.filter,
            applied.order,
            page_request(first, after, last, before),
        )
        return Connection.of(page, Contact.of)


@strawberry.type
class ContactMutations:
    @strawberry.mutation
    async def create_contact(self, info: Info, input: ContactInput) -> Contact:
        new = contacts.NewContact(**create_values(CrmEntity.CONTACT, input))
        return Contact.of(await contacts.create_contact(info.context, new))

    @strawberry.mutation
    async def update_contact(self, info: Info, id: strawberry.ID, input: ContactPatch) -> Contact:
        row = await records.update_record(
            info.context,
            CrmEntity.CONTACT,
            decode_id(id, "Contact"),
            patch_changes(CrmEntity.CONTACT, input),
            contacts.UPDATE_HOOKS,
        )
        return Contact.of(row)

    @strawberry.mutation
    async def delete_contact(self, info: Info, id: strawberry.ID) -> strawberry.ID:
        await records.delete_record(info.context, CrmEntity.CONTACT, decode_id(id, "Contact"))
        return id
