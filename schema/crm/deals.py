"""GraphQL for deals: the type, the `deals` list, create / update / move / delete."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any, TypeAlias

import strawberry

from models import OwnerKind
from models.crm import CrmEntity, Semantics
from models.crm import Deal as DealRow
from models.crm import DealStageMove as DealStageMoveRow
from resolvers.crm import deal_relations, deals, records
from resolvers.crm import record_access as record_access_rules
from resolvers.crm.record_access import RecordFacts
from schema.access import RecordAccess
from schema.attachments import attachments_field
from schema.context import Info
from schema.crm.common import UserRef, load_user
from schema.crm.custom_values import (
    WithCustomFields,
)
from schema.crm.dictionaries import DealStage, Pipeline, load_pipeline, load_stage
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
    from schema.crm.companies import Company
    from schema.crm.contacts import Contact
    from schema.crm.leads import Lead

CompanyRef = Annotated["Company", strawberry.lazy("schema.crm.companies")]
ContactRef = Annotated["Contact", strawberry.lazy("schema.crm.contacts")]
LeadRef = Annotated["Lead", strawberry.lazy("schema.crm.leads")]


@strawberry.type(description="A stage move: who moved the deal, when, from where, to where.")
class DealStageMove:
    moved_at: datetime
    from_pk: strawberry.Private[int | None]
    to_pk: strawberry.Private[int | None]
    moved_by_pk: strawberry.Private[int | None]

    @strawberry.field(name="from", description="Null for the stage the deal was created in.")
    async def from_(self, info: Info) -> DealStage | None:
        return None if self.from_pk is None else await load_stage(info, self.from_pk)

    @strawberry.field
    async def to(self, info: Info) -> DealStage | None:
        return None if self.to_pk is None else await load_stage(info, self.to_pk)

    @strawberry.field
    async def moved_by(self, info: Info) -> UserRef | None:
        return await load_user(info, self.moved_by_pk)

    @classmethod
    def of(cls, row: DealStageMoveRow) -> DealStageMove:
        return cls(
            moved_at=row.moved_at,
            from_pk=row.from_stage_id,
            to_pk=row.to_stage_id,
            moved_by_pk=row.moved_by_id,
        )


@strawberry.type
class Deal(Node, WithCustomFields):
    title: str | None = masked()
    amount: Decimal | None = masked(description="A decimal string, in `currency`.")
    currency: str | None = masked(description="ISO 4217, e.g. USD.")
    probability: int | None = masked()
    opened: bool | None = masked()
    closed_at: datetime | None = masked(description="When it was won or lost.")
    created_at: datetime | None = masked()
    updated_at: datetime | None = masked()
    pipeline_pk: strawberry.Private[int]
    stage_pk: strawberry.Private[int]
    company_pk: strawberry.Private[int | None]
    assigned_to_pk: strawberry.Private[int | None]
    created_by_pk: strawberry.Private[int | None]
    source_lead_pk: strawberry.Private[int | None]

    tasks = linked_tasks_field(CrmEntity.DEAL)
    attachments = attachments_field(OwnerKind.DEAL)

    @classmethod
    def of(cls, row: DealRow) -> Deal:
        return cls(
            pk=row.id,
            title=row.title,
            amount=row.amount,
            currency=row.currency,
            probability=row.probability,
            opened=row.opened,
            closed_at=row.closed_at,
            created_at=row.created_at,
            updated_at=row.updated_at,
            pipeline_pk=row.pipeline_id,
            stage_pk=row.stage_id,
            company_pk=row.company_id,
            assigned_to_pk=row.assigned_to_id,
            created_by_pk=row.created_by_id,
            source_lead_pk=row.source_lead_id,
        )

    @strawberry.field
    async def pipeline(self, info: Info) -> Pipeline:
        return await load_pipeline(info, self.pipeline_pk)

    def facts(self) -> RecordFacts:
        return RecordFacts(CrmEntity.DEAL, self.assigned_to_pk, bool(self.opened), self.stage_pk)

    @strawberry.field(
        description="What you may do with this deal, and which fields you may not see."
    )
    async def access(self, info: Info) -> RecordAccess:
        return await record_access(info, self.facts())

    @strawberry.field(
        description="The stages you may move this deal to (its pipeline's, in order): "
        "empty when you may not move it."
    )
    async def allowed_stages(self, info: Info) -> list[DealStage]:
        rows = await record_access_rules.allowed_stages(
            info.context, self.pipeline_pk, self.facts()
        )
        return [DealStage.of(row) for row in rows]

    @strawberry.field(extensions=[Masked()])
    async def stage(self, info: Info) -> DealStage | None:
        return await load_stage(info, self.stage_pk)

    @strawberry.field(
        description="The stage's semantics: PROCESS (open), SUCCESS (won), FAILURE (lost).",
        extensions=[Masked(covers=["stage"])],
    )
    async def semantics(self, info: Info) -> Semantics | None:
        return (await load_stage(info, self.stage_pk)).semantics

    @strawberry.field(extensions=[Masked()], description="Null when you may not see it.")
    async def company(self, info: Info) -> CompanyRef | None:
        from schema.crm.companies import load_company

        return await load_company(info, self.company_pk)

    @strawberry.field(extensions=[Masked()], description="The contacts you may see.")
    async def contacts(self, info: Info) -> list[ContactRef] | None:
        from schema.crm.contacts import Contact

        rows = await info.context.loader(deal_relations.contacts_by_deal_id).load(self.pk)
        return [Contact.of(row) for row in rows]

    @strawberry.field(extensions=[Masked()])
    async def assigned_to(self, info: Info) -> UserRef | None:
        return await load_user(info, self.assigned_to_pk)

    @strawberry.field(extensions=[Masked()])
    async def created_by(self, info: Info) -> UserRef | None:
        return await load_user(info, self.created_by_pk)

    @strawberry.field(description="The lead this deal was converted from.", extensions=[Masked()])
    async def source_lead(self, info: Info) -> LeadRef | None:
        from schema.crm.leads import load_lead

        return await load_lead(info, self.source_lead_pk)

    @strawberry.field(
        description="Every stage move, oldest first.", extensions=[Masked(covers=["stage"])]
    )
    async def stage_history(self, info: Info) -> list[DealStageMove] | None:
        rows = await info.context.loader(deal_relations.stage_moves_by_deal_id).load(self.pk)
        return [DealStageMove.of(row) for row in rows]

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
        return await timeline_of(info, CrmEntity.DEAL, self.pk, hidden, first, after, last, before)


async def load_deal(info: Info, pk: int | None) -> Deal | None:
    row = None if pk is None else await records.load_record(info.context, CrmEntity.DEAL, pk)
    return None if row is None else Deal.of(row)


@node_fetcher("Deal")
async def fetch_deal(info: Info, pk: int) -> Deal:
    return Deal.of(await records.get_record(info.context, CrmEntity.DEAL, pk))


if TYPE_CHECKING:
    DealFilter: TypeAlias = Any
    DealOrderField: TypeAlias = Any
else:
    DealFilter = record_filter(CrmEntity.DEAL, "DealFilter", __name__, "Title or company title.")
    DealOrderField = order_field(CrmEntity.DEAL, "DealOrderField")


@strawberry.input
class DealOrder:
    field: DealOrderField | None = strawberry.field(
        default=None, description="A built-in field to sort by; or give `custom`."
    )
    custom: str | None = strawberry.field(
        default=None, description="A custom field's code: records without a value sort last."
    )
    direction: OrderDirection = OrderDirection.ASC


if TYPE_CHECKING:
    DealInput: TypeAlias = Any
else:
    DealInput = record_input(CrmEntity.DEAL, "DealInput", "A new deal.")

if TYPE_CHECKING:
    DealPatch: TypeAlias = Any
else:
    DealPatch = record_patch(
        CrmEntity.DEAL,
        "DealPatch",
        "Fields left out stay as they are; lists are replaced whole. The stage changes by "
        "moveDeal.",
    )


def decode_ids(ids: list[strawberry.ID] | None, type_name: str, field: str) -> list[int]:
    return [decode_id(item, type_name, field) for item in ids or []]


@strawberry.type
class DealQueries:
    @strawberry.field(description="Deals you may see, filtered and ordered.")
    async def deals(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        filter: DealFilter | None = None,
        order_by: list[DealOrder] | None = None,
        view: ViewArg = None,
    ) -> Connection[Deal]:
        applied = await with_view(info, CrmEntity.DEAL, filter, order_by, view)
        page = await records.list_of(
            info.context,
            CrmEntity.DEAL,
            applied.filter,
            applied.order,
            page_request(first, after, last, before),
        )
        return Connection.of(page, Deal.of)


@strawberry.type
class DealMutations:
    @strawberry.mutation
    async def create_deal(self, info: Info, input: DealInput) -> Deal:
        new = deals.NewDeal(**create_values(CrmEntity.DEAL, input))
        return Deal.of(await deals.create_deal(info.context, new))

    @strawberry.mutation
    async def update_deal(self, info: Info, id: strawberry.ID, input: DealPatch) -> Deal:
        changes = patch_changes(CrmEntity.DEAL, input)
        pk = decode_id(id, "Deal")
        return Deal.of(await records.update_record(info.context, CrmEntity.DEAL, pk, changes))

    @strawberry.mutation(
        description="Moves a deal to a stage of its pipeline; a SUCCESS or FAILURE stage closes it."
    )
    async def move_deal(self, info: Info, id: strawberry.ID, stage_id: strawberry.ID) -> Deal:
        row = await deals.move_deal(
            info.context, decode_id(id, "Deal"), decode_id(stage_id, "DealStage", "stageId")
        )
        return Deal.of(row)

    @strawberry.mutation
    async def delete_deal(self, info: Info, id: strawberry.ID) -> strawberry.ID:
        await records.delete_record(info.context, CrmEntity.DEAL, decode_id(id, "Deal"))
        return id
