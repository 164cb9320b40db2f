"""GraphQL for the dictionaries: lead statuses, lead sources, pipelines and deal stages."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

import strawberry

from models.crm import DealStage as DealStageRow
from models.crm import LeadSource as LeadSourceRow
from models.crm import LeadStatus as LeadStatusRow
from models.crm import Pipeline as PipelineRow
from models.crm import Semantics
from resolvers.context import RequestContext
from resolvers.crm import dictionaries
from resolvers.errors import not_found
from schema.context import Info
from schema.relay import Node, node_fetcher

RowT = TypeVar("RowT")


SORT = "Its place in the list: lists are ordered by it, ascending."


@strawberry.type(description="A step of the lead workflow, e.g. New, In progress, Converted.")
class LeadStatus(Node):
    name: str = strawberry.field(description="Shown to users.")
    sort: int = strawberry.field(description=SORT)
    semantics: Semantics = strawberry.field(
        description="In progress, converted (SUCCESS) or junk (FAILURE)."
    )

    @classmethod
    def of(cls, row: LeadStatusRow) -> LeadStatus:
        return cls(pk=row.id, name=row.name, sort=row.sort, semantics=row.semantics)


@strawberry.type(description="Where leads come from, e.g. Website, Cold call.")
class LeadSource(Node):
    name: str = strawberry.field(description="Shown to users.")
    sort: int = strawberry.field(description=SORT)

    @classmethod
    def of(cls, row: LeadSourceRow) -> LeadSource:
        return cls(pk=row.id, name=row.name, sort=row.sort)


@strawberry.type(description="A deal category with its own ordered stages.")
class Pipeline(Node):
    name: str = strawberry.field(description="Shown to users.")
    sort: int = strawberry.field(description=SORT)
    is_default: bool = strawberry.field(
        description="New deals go here unless they name a pipeline; exactly one is."
    )

    @classmethod
    def of(cls, row: PipelineRow) -> Pipeline:
        return cls(pk=row.id, name=row.name, sort=row.sort, is_default=row.is_default)

    @strawberry.field(description="In order: in-progress stages, then won, then lost.")
    async def stages(self, info: Info) -> list[DealStage]:
        rows = await info.context.loader(dictionaries.stages_by_pipeline_id).load(self.pk)
        return [DealStage.of(row) for row in rows]


@strawberry.type(description="A step of a pipeline, e.g. Negotiation, Won.")
class DealStage(Node):
    name: str = strawberry.field(description="Shown to users.")
    sort: int = strawberry.field(
        description="Its place among its pipeline's stages: lists are ordered by it, ascending."
    )
    semantics: Semantics = strawberry.field(
        description="In progress, won (SUCCESS) or lost (FAILURE); reaching SUCCESS or "
        "FAILURE closes a deal."
    )
    pipeline_pk: strawberry.Private[int]

    @classmethod
    def of(cls, row: DealStageRow) -> DealStage:
        return cls(
            pk=row.id,
            name=row.name,
            sort=row.sort,
            semantics=row.semantics,
            pipeline_pk=row.pipeline_id,
        )

    @strawberry.field(description="The pipeline the stage belongs to.")
    async def pipeline(self, info: Info) -> Pipeline:
        row = await info.context.loader(dictionaries.pipelines_by_id).load(self.pipeline_pk)
        assert row is not None  # a stage's pipeline cannot be deleted while it has stages
        return Pipeline.of(row)


async def load_status(info: Info, pk: int) -> LeadStatus:
    row = await info.context.loader(dictionaries.statuses_by_id).load(pk)
    assert row is not None  # statuses in use cannot be deleted
    return LeadStatus.of(row)


async def load_source(info: Info, pk: int | None) -> LeadSource | None:
    row = None if pk is None else await info.context.loader(dictionaries.sources_by_id).load(pk)
    return None if row is None else LeadSource.of(row)


async def load_stage(info: Info, pk: int) -> DealStage:
    row = await info.context.loader(dictionaries.stages_by_id).load(pk)
    assert row is not None  # stages in use cannot be deleted
    return DealStage.of(row)


async def load_pipeline(info: Info, pk: int) -> Pipeline:
    row = await info.context.loader(dictionaries.pipelines_by_id).load(pk)
    assert row is not None  # pipelines in use cannot be deleted
    return Pipeline.of(row)


def _fetcher(
    type_name: str,
    batch: Callable[[RequestContext, list[int]], Awaitable[Sequence[RowT | None]]],
    convert: Callable[[RowT], Node],
) -> None:
    """Registers how node(id:) loads a dictionary entry."""

    @node_fetcher(type_name)
    async def fetch(info: Info, pk: int) -> Node:
        row = await info.context.loader(batch).load(pk)
        if row is None:
            raise not_found(type_name, pk)
        return convert(row)


_fetcher("LeadStatus", dictionaries.statuses_by_id, LeadStatus.of)
_fetcher("LeadSource", dictionaries.sources_by_id, LeadSource.of)
_fetcher("Pipeline", dictionaries.pipelines_by_id, Pipeline.of)
_fetcher("DealStage", dictionaries.stages_by_id, DealStage.of)


@strawberry.type
class DictionaryQueries:
    @strawberry.field(description="Deal pipelines, in order.")
    async def pipelines(self, info: Info) -> list[Pipeline]:
        return [Pipeline.of(row) for row in await dictionaries.list_pipelines(info.context)]

    @strawberry.field(description="In order: in-progress statuses, then success, then failure.")
    async def lead_statuses(self, info: Info) -> list[LeadStatus]:
        return [LeadStatus.of(row) for row in await dictionaries.list_lead_statuses(info.context)]

    @strawberry.field(description="Lead sources, in order.")
    async def lead_sources(self, info: Info) -> list[LeadSource]:
        return [LeadSource.of(row) for row in await dictionaries.list_lead_sources(info.context)]
