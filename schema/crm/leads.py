"""GraphQL for leads: the type, the `leads` list, create / update / delete / convert."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, TypeAlias

import strawberry

from models import OwnerKind
from models.crm import CrmEntity
from models.crm import Lead as LeadRow
from models.crm.entities import declaration_of
from resolvers.crm import conversion, leads, records
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
from schema.crm.dictionaries import LeadSource, LeadStatus, load_source, load_status
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
    decode_optional_id,
    node_fetcher,
    page_request,
)

if TYPE_CHECKING:
    from schema.crm.companies import Company
    from schema.crm.contacts import Contact
    from schema.crm.deals import Deal

CompanyRef = Annotated["Company", strawberry.lazy("schema.crm.companies")]
ContactRef = Annotated["Contact", strawberry.lazy("schema.crm.contacts")]
DealRef = Annotated["Deal", strawberry.lazy("schema.crm.deals")]


@strawberry.type
class Lead(Node, WithCustomFields):
    title: str | None = masked()
    first_name: str | None = masked()
    last_name: str | None = masked()
    company_title: str | None = masked()
    source_description: str | None = masked()
    utm_source: str | None = masked()
    utm_medium: str | None = masked()
    utm_campaign: str | None = masked()
    utm_content: str | None = masked()
    utm_term: str | None = masked()
    opened: bool | None = masked()
    is_repeat: bool = strawberry.field(
        description="A phone or e-mail matched an existing contact or company."
    )
    converted_at: datetime | None = masked()
    created_at: datetime | None = masked()
    updated_at: datetime | None = masked()
    status_pk: strawberry.Private[int]
    source_pk: strawberry.Private[int | None]
    assigned_to_pk: strawberry.Private[int | None]
    created_by_pk: strawberry.Private[int | None]
    contact_pk: strawberry.Private[int | None]
    company_pk: strawberry.Private[int | None]
    deal_pk: strawberry.Private[int | None]

    tasks = linked_tasks_field(CrmEntity.LEAD)
    attachments = attachments_field(OwnerKind.LEAD)

    @classmethod
    def of(cls, row: LeadRow) -> Lead:
        return cls(
            pk=row.id,
            title=row.title,
            first_name=row.first_name,
            last_name=row.last_name,
            company_title=row.company_title,
            source_description=row.source_description,
            utm_source=row.utm_source,
            utm_medium=row.utm_medium,
            utm_campaign=row.utm_campaign,
            utm_content=row.utm_content,
            utm_term=row.utm_term,
            opened=row.opened,
            is_repeat=row.is_repeat,
            converted_at=row.converted_at,
            created_at=row.created_at,
            updated_at=row.updated_at,
            status_pk=row.status_id,
            source_pk=row.source_id,
            assigned_to_pk=row.assigned_to_id,
            created_by_pk=row.created_by_id,
            contact_pk=row.contact_id,
            company_pk=row.company_id,
            deal_pk=row.deal_id,
        )

    def facts(self) -> RecordFacts:
        return RecordFacts(CrmEntity.LEAD, self.assigned_to_pk, bool(self.opened), self.status_pk)

    @strawberry.field(
        description="What you may do with this lead, and which fields you may not see."
    )
    async def access(self, info: Info) -> RecordAccess:
        return await record_access(info, self.facts())

    @strawberry.field(extensions=[Masked()])
    async def status(self, info: Info) -> LeadStatus | None:
        return await load_status(info, self.status_pk)

    @strawberry.field(extensions=[Masked()])
    async def source(self, info: Info) -> LeadSource | None:
        return await load_source(info, self.source_pk)

    @strawberry.field(extensions=[Masked()])
    async def communications(self, info: Info) -> list[Communication] | None:
        return await load_communications(info, CrmEntity.LEAD, self.pk)

    @strawberry.field(extensions=[Masked()])
    async def assigned_to(self, info: Info) -> UserRef | None:
        return await load_user(info, self.assigned_to_pk)

    @strawberry.field(extensions=[Masked()])
    async def created_by(self, info: Info) -> UserRef | None:
        return await load_user(info, self.created_by_pk)

    @strawberry.field(description="The contact the lead was converted into.", extensions=[Masked()])
    async def contact(self, info: Info) -> ContactRef | None:
        from schema.crm.contacts import load_contact

        return await load_contact(info, self.contact_pk)

    @strawberry.field(description="The company the lead was converted into.", extensions=[Masked()])
    async def company(self, info: Info) -> CompanyRef | None:
        from schema.crm.companies import load_company

        return await load_company(info, self.company_pk)

    @strawberry.field(description="The deal the lead was converted into.", extensions=[Masked()])
    async def deal(self, info: Info) -> DealRef | None:
        from schema.crm.deals import load_deal

        return await load_deal(info, self.deal_pk)

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
        return await timeline_of(info, CrmEntity.LEAD, self.pk, hidden, first, after, last, before)


async def load_lead(info: Info, pk: int | None) -> Lead | None:
    row = None if pk is None else await records.load_record(info.context, CrmEntity.LEAD, pk)
    return None if row is None else Lead.of(row)


@node_fetcher("Lead")
async def fetch_lead(info: Info, pk: int) -> Lead:
    return Lead.of(await records.get_record(info.context, CrmEntity.LEAD, pk))


if TYPE_CHECKING:
    LeadFilter: TypeAlias = Any
    LeadOrderField: TypeAlias = Any
else:
    LeadFilter = record_filter(
        CrmEntity.LEAD, "LeadFilter", __name__, "Part of the title, a name, a phone, an e-mail…"
    )
    LeadOrderField = order_field(CrmEntity.LEAD, "LeadOrderField")


@strawberry.input
class LeadOrder:
    field: LeadOrderField | None = strawberry.field(
        default=None, description="A built-in field to sort by; or give `custom`."
    )
    custom: str | None = strawberry.field(
        default=None, description="A custom field's code: records without a value sort last."
    )
    direction: OrderDirection = OrderDirection.ASC


if TYPE_CHECKING:
    LeadInput: TypeAlias = Any
else:
    LeadInput = record_input(
        CrmEntity.LEAD, "LeadInput", "The title defaults to the name or company title."
    )

if TYPE_CHECKING:
    LeadPatch: TypeAlias = Any
else:
    LeadPatch = record_patch(
        CrmEntity.LEAD, "LeadPatch", "Fields left out stay as they are; lists are replaced whole."
    )


# The UTM marks of a new lead, by column (``utm_source``, …) as the declaration names them.
_UTM_COLUMNS = tuple(
    field.attribute
    for field in declaration_of(CrmEntity.LEAD).fields
    if field.attribute and field.attribute.startswith("utm_")
)


@strawberry.input(description="Into what: new records (create…) or existing ones (…Id).")
class ConvertLeadInput:
    create_contact: bool = False
    create_company: bool = False
    create_deal: bool = False
    pipeline_id: strawberry.ID | None = strawberry.field(
        default=None, description="The new deal's pipeline; default: the default pipeline."
    )
    contact_id: strawberry.ID | None = None
    company_id: strawberry.ID | None = None


@strawberry.type
class ConvertLeadPayload:
    lead: Lead
    contact: ContactRef | None
    company: CompanyRef | None
    deal: DealRef | None


@strawberry.type
class LeadQueries:
    @strawberry.field(description="Leads you may see, filtered and ordered.")
    async def leads(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        filter: LeadFilter | None = None,
        order_by: list[LeadOrder] | None = None,
        view: ViewArg = None,
    ) -> Connection[Lead]:
        applied = await with_view(info, CrmEntity.LEAD, filter, order_by, view)
        page = await records.list_of(
            info.context,
            CrmEntity.LEAD,
            applied.filter,
            applied.order,
            page_request(first, after, last, before),
        )
        return Connection.of(page, Lead.of)


@strawberry.type
class LeadMutations:
    @strawberry.mutation
    async def create_lead(self, info: Info, input: LeadInput) -> Lead:
        values = create_values(CrmEntity.LEAD, input)
        utm = {column: values.pop(column) for column in _UTM_COLUMNS}
        new = leads.NewLead(**values, utm=utm)
        return Lead.of(await leads.create_lead(info.context, new))

    @strawberry.mutation
    async def update_lead(self, info: Info, id: strawberry.ID, input: LeadPatch) -> Lead:
        row = await records.update_record(
            info.context,
            CrmEntity.LEAD,
            decode_id(id, "Lead"),
            patch_changes(CrmEntity.LEAD, input),
            leads.UPDATE_HOOKS,
        )
        return Lead.of(row)

    @strawberry.mutation
    async def delete_lead(self, info: Info, id: strawberry.ID) -> strawberry.ID:
        await records.delete_record(info.context, CrmEntity.LEAD, decode_id(id, "Lead"))
        return id

    @strawberry.mutation(
        description="Creates or links a contact, a company and a deal from the lead, all or "
        "nothing; the lead gets its SUCCESS status. A converted lead cannot convert again."
    )
    async def convert_lead(
        self, info: Info, id: strawberry.ID, input: ConvertLeadInput
    ) -> ConvertLeadPayload:
        from schema.crm.companies import Company
        from schema.crm.contacts import Contact
        from schema.crm.deals import Deal

        request = conversion.Conversion(
            create_contact=input.create_contact,
            create_company=input.create_company,
            create_deal=input.create_deal,
            pipeline_id=decode_optional_id(input.pipeline_id, "Pipeline", "pipelineId"),
            contact_id=decode_optional_id(input.contact_id, "Contact", "contactId"),
            company_id=decode_optional_id(input.company_id, "Company", "companyId"),
        )
        done = await conversion.convert_lead(info.context, decode_id(id, "Lead"), request)
        return ConvertLeadPayload(
            lead=Lead.of(done.lead),
            contact=Contact.of(done.contact) if done.contact else None,
            company=Company.of(done.company) if done.company else None,
            deal=Deal.of(done.deal) if done.deal else None,
        )
