"""GraphQL for companies: the type, the `companies` list, create / update / delete."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any, TypeAlias

import strawberry

from models import OwnerKind
from models.crm import Company as CompanyRow
from models.crm import CrmEntity
from resolvers.crm import companies, deal_relations, records
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
from schema.crm.filters import (
    ViewArg,
    with_view,
)
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
    from schema.crm.contacts import Contact
    from schema.crm.deals import Deal
    from schema.crm.leads import Lead

ContactRef = Annotated["Contact", strawberry.lazy("schema.crm.contacts")]
DealRef = Annotated["Deal", strawberry.lazy("schema.crm.deals")]
LeadRef = Annotated["Lead", strawberry.lazy("schema.crm.leads")]


@strawberry.type
class Company(Node, WithCustomFields):
    title: str | None = masked()
    industry: str | None = masked()
    revenue: Decimal | None = masked()
    employees: int | None = masked()
    address: str | None = masked()
    opened: bool | None = masked()
    created_at: datetime | None = masked()
    updated_at: datetime | None = masked()
    assigned_to_pk: strawberry.Private[int | None]
    created_by_pk: strawberry.Private[int | None]
    source_lead_pk: strawberry.Private[int | None]

    tasks = linked_tasks_field(CrmEntity.COMPANY)
    attachments = attachments_field(OwnerKind.COMPANY)

    @classmethod
    def of(cls, row: CompanyRow) -> Company:
        return cls(
            pk=row.id,
            title=row.title,
            industry=row.industry,
            revenue=row.revenue,
            employees=row.employees,
            address=row.address,
            opened=row.opened,
            created_at=row.created_at,
            updated_at=row.updated_at,
            assigned_to_pk=row.assigned_to_id,
            created_by_pk=row.created_by_id,
            source_lead_pk=row.source_lead_id,
        )

    def facts(self) -> RecordFacts:
        return RecordFacts(CrmEntity.COMPANY, self.assigned_to_pk, bool(self.opened), None)

    @strawberry.field(
        description="What you may do with this company, and which fields you may not see."
    )
    async def access(self, info: Info) -> RecordAccess:
        return await record_access(info, self.facts())

    @strawberry.field(extensions=[Masked()])
    async def communications(self, info: Info) -> list[Communication] | None:
        return await load_communications(info, CrmEntity.COMPANY, self.pk)

    @strawberry.field(extensions=[Masked()])
    async def contacts(self, info: Info) -> list[ContactRef] | None:
        from schema.crm.contacts import Contact

        rows = await info.context.loader(companies.contacts_by_company_id).load(self.pk)
        return [Contact.of(row) for row in rows]

    @strawberry.field(description="The company's deals, newest first.", extensions=[Masked()])
    async def deals(self, info: Info) -> list[DealRef] | None:
        from schema.crm.deals import Deal

        rows = await info.context.loader(deal_relations.deals_by_company_id).load(self.pk)
        return [Deal.of(row) for row in rows]

    @strawberry.field(extensions=[Masked()])
    async def assigned_to(self, info: Info) -> UserRef | None:
        return await load_user(info, self.assigned_to_pk)

    @strawberry.field(extensions=[Masked()])
    async def created_by(self, info: Info) -> UserRef | None:
        return await load_user(info, self.created_by_pk)

    @strawberry.field(
        description="The lead this company was converted from.", extensions=[Masked()]
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
            info, CrmEntity.COMPANY, self.pk, hidden, first, after, last, before
        )


async def load_company(info: Info, pk: int | None) -> Company | None:
    row = None if pk is None else await records.load_record(info.context, CrmEntity.COMPANY, pk)
    return None if row is None else Company.of(row)


@node_fetcher("Company")
async def fetch_company(info: Info, pk: int) -> Company:
    return Company.of(await records.get_record(info.context, CrmEntity.COMPANY, pk))


if TYPE_CHECKING:
    CompanyFilter: TypeAlias = Any
    CompanyOrderField: TypeAlias = Any
else:
    CompanyFilter = record_filter(
        CrmEntity.COMPANY, "CompanyFilter", __name__, "Part of the title, a phone, an e-mail…"
    )
    CompanyOrderField = order_field(CrmEntity.COMPANY, "CompanyOrderField")


@strawberry.input
class CompanyOrder:
    field: CompanyOrderField | None = strawberry.field(
        default=None, description="A built-in field to sort by; or give `custom`."
    )
    custom: str | None = strawberry.field(
        default=None, description="A custom field's code: records without a value sort last."
    )
    direction: OrderDirection = OrderDirection.ASC


if TYPE_CHECKING:
    CompanyInput: TypeAlias = Any
else:
    CompanyInput = record_input(CrmEntity.COMPANY, "CompanyInput", "A new company.")

if TYPE_CHECKING:
    CompanyPatch: TypeAlias = Any
else:
    CompanyPatch = record_patch(
        CrmEntity.COMPANY,
        "CompanyPatch",
        "Fields left out stay as they are; lists are replaced whole.",
    )


@strawberry.type
class CompanyQueries:
    @strawberry.field(description="Companies you may see, filtered and ordered.")
    async def companies(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        filter: CompanyFilter | None = None,
        order_by: list[CompanyOrder] | None = None,
        view: ViewArg = None,
    ) -> Connection[Company]:
        applied = await with_view(info, CrmEntity.COMPANY, filter, order_by, view)
        page = await records.list_of(
            info.context,
            CrmEntity.COMPANY,
            applied.filter,
            applied.order,
            page_request(first, after, last, before),
        )
        return Connection.of(page, Company.of)


@strawberry.type
class CompanyMutations:
    @strawberry.mutation
    async def create_company(self, info: Info, input: CompanyInput) -> Company:
        new = companies.NewCompany(**create_values(CrmEntity.COMPANY, input))
        return Company.of(await companies.create_company(info.context, new))

    @strawberry.mutation
    async def update_company(self, info: Info, id: strawberry.ID, input: CompanyPatch) -> Company:
        changes = patch_changes(CrmEntity.COMPANY, input)
        pk = decode_id(id, "Company")
        row = await records.update_record(info.context, CrmEntity.COMPANY, pk, changes)
        return Company.of(row)

    @strawberry.mutation(description="Deletes the company; its deals stay, without a company.")
    async def delete_company(self, info: Info, id: strawberry.ID) -> strawberry.ID:
        await records.delete_record(info.context, CrmEntity.COMPANY, decode_id(id, "Company"))
        return id
