"""GraphQL for the administrator's dictionary changes (admin only)."""

from __future__ import annotations

from typing import Annotated

import strawberry

from models.crm import DealStage as DealStageRow
from models.crm import LeadSource as LeadSourceRow
from models.crm import LeadStatus as LeadStatusRow
from models.crm import Pipeline as PipelineRow
from models.crm import Semantics
from resolvers.crm import dictionary_admin as admin
from schema.context import Info
from schema.crm.dictionaries import DealStage, LeadSource, LeadStatus, Pipeline
from schema.relay import decode_id


def _ids(ids: list[strawberry.ID], type_name: str) -> list[int]:
    return [decode_id(pk, type_name, "ids") for pk in ids]


def _status(row: object) -> LeadStatus:
    assert isinstance(row, LeadStatusRow)
    return LeadStatus.of(row)


def _source(row: object) -> LeadSource:
    assert isinstance(row, LeadSourceRow)
    return LeadSource.of(row)


def _pipeline(row: object) -> Pipeline:
    assert isinstance(row, PipelineRow)
    return Pipeline.of(row)


def _stage(row: object) -> DealStage:
    assert isinstance(row, DealStageRow)
    return DealStage.of(row)


EntryName = Annotated[
    str, strawberry.argument(description=f"Shown to users, up to {admin.MAX_NAME} characters.")
]
NewSemantics = Annotated[
    Semantics,
    strawberry.argument(description="In progress (default), success or failure; fixed once made."),
]
StatusId = Annotated[strawberry.ID, strawberry.argument(description="The lead status's ID.")]
SourceId = Annotated[strawberry.ID, strawberry.argument(description="The lead source's ID.")]
PipelineId = Annotated[strawberry.ID, strawberry.argument(description="The pipeline's ID.")]
StageId = Annotated[strawberry.ID, strawberry.argument(description="The deal stage's ID.")]
NewOrder = Annotated[
    list[strawberry.ID], strawberry.argument(description="Every entry's ID, in the new order.")
]


@strawberry.type
class DictionaryMutations:
    @strawberry.mutation(description="Admin only. Placed last among its semantics.")
    async def create_lead_status(
        self, info: Info, name: EntryName, semantics: NewSemantics = Semantics.PROCESS
    ) -> LeadStatus:
        return _status(await admin.create_entry(info.context, admin.LEAD_STATUSES, name, semantics))

    @strawberry.mutation(description="Admin only.")
    async def rename_lead_status(self, info: Info, id: StatusId, name: EntryName) -> LeadStatus:
        pk = decode_id(id, "LeadStatus")
        return _status(await admin.rename_entry(info.context, admin.LEAD_STATUSES, pk, name))

    @strawberry.mutation(description="Admin only. Every status once; groups stay in order.")
    async def reorder_lead_statuses(self, info: Info, ids: NewOrder) -> list[LeadStatus]:
        rows = await admin.reorder_entries(
            info.context, admin.LEAD_STATUSES, _ids(ids, "LeadStatus")
        )
        return [_status(row) for row in rows]

    @strawberry.mutation(description="Admin only. CONFLICT while leads have it.")
    async def delete_lead_status(self, info: Info, id: StatusId) -> strawberry.ID:
        await admin.delete_entry(info.context, admin.LEAD_STATUSES, decode_id(id, "LeadStatus"))
        return id

    @strawberry.mutation(description="Admin only. Placed last.")
    async def create_lead_source(self, info: Info, name: EntryName) -> LeadSource:
        return _source(await admin.create_entry(info.context, admin.LEAD_SOURCES, name))

    @strawberry.mutation(description="Admin only.")
    async def rename_lead_source(self, info: Info, id: SourceId, name: EntryName) -> LeadSource:
        pk = decode_id(id, "LeadSource")
        return _source(await admin.rename_entry(info.context, admin.LEAD_SOURCES, pk, name))

    @strawberry.mutation(description="Admin only. Every source once.")
    async def reorder_lead_sources(self, info: Info, ids: NewOrder) -> list[LeadSource]:
        rows = await admin.reorder_entries(
            info.context, admin.LEAD_SOURCES, _ids(ids, "LeadSource")
        )
        return [_source(row) for row in rows]

    @strawberry.mutation(description="Admin only. CONFLICT while leads have it.")
    async def delete_lead_source(self, info: Info, id: SourceId) -> strawberry.ID:
        await admin.delete_entry(info.context, admin.LEAD_SOURCES, decode_id(id, "LeadSource"))
        return id

    @strawberry.mutation(description="Admin only. Starts with stages New, Won and Lost.")
    async def create_pipeline(self, info: Info, name: EntryName) -> Pipeline:
        return _pipeline(await admin.create_entry(info.context, admin.PIPELINES, name))

    @strawberry.mutation(description="Admin only.")
    async def rename_pipeline(self, info: Info, id: PipelineId, name: EntryName) -> Pipeline:
        pk = decode_id(id, "Pipeline")
        return _pipeline(await admin.rename_entry(info.context, admin.PIPELINES, pk, name))

    @strawberry.mutation(description="Admin only. New deals go to the default pipeline.")
    async def make_default_pipeline(self, info: Info, id: PipelineId) -> Pipeline:
        return Pipeline.of(
            await admin.make_default_pipeline(info.context, decode_id(id, "Pipeline"))
        )

    @strawberry.mutation(description="Admin only. Every pipeline once.")
    async def reorder_pipelines(self, info: Info, ids: NewOrder) -> list[Pipeline]:
        rows = await admin.reorder_entries(info.context, admin.PIPELINES, _ids(ids, "Pipeline"))
        return [_pipeline(row) for row in rows]

    @strawberry.mutation(
        description="Admin only. CONFLICT while it holds deals, or if it is the default."
    )
    async def delete_pipeline(self, info: Info, id: PipelineId) -> strawberry.ID:
        await admin.delete_entry(info.context, admin.PIPELINES, decode_id(id, "Pipeline"))
        return id

    @strawberry.mutation(description="Admin only. Placed last among its semantics.")
    async def create_deal_stage(
        self,
        info: Info,
        pipeline_id: PipelineId,
        name: EntryName,
        semantics: NewSemantics = Semantics.PROCESS,
    ) -> DealStage:
        row = await admin.create_entry(
            info.context,
            admin.DEAL_STAGES,
            name,
            semantics,
            decode_id(pipeline_id, "Pipeline", "pipelineId"),
        )
        return _stage(row)

    @strawberry.mutation(description="Admin only.")
    async def rename_deal_stage(self, info: Info, id: StageId, name: EntryName) -> DealStage:
        pk = decode_id(id, "DealStage")
        return _stage(await admin.rename_entry(info.context, admin.DEAL_STAGES, pk, name))

    @strawberry.mutation(
        description="Admin only. Every stage of the pipeline once; groups stay in order."
    )
    async def reorder_deal_stages(
        self, info: Info, pipeline_id: PipelineId, ids: NewOrder
    ) -> list[DealStage]:
        rows = await admin.reorder_entries(
            info.context,
            admin.DEAL_STAGES,
            _ids(ids, "DealStage"),
            decode_id(pipeline_id, "Pipeline", "pipelineId"),
        )
        return [_stage(row) for row in rows]

    @strawberry.mutation(description="Admin only. CONFLICT while deals are in it.")
    async def delete_deal_stage(self, info: Info, id: StageId) -> strawberry.ID:
        await admin.delete_entry(info.context, admin.DEAL_STAGES, decode_id(id, "DealStage"))
        return id
