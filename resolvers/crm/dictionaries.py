"""Reading the dictionaries: lead statuses, lead sources, pipelines and their stages."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models.crm import DealStage, LeadSource, LeadStatus, Pipeline, Semantics
from resolvers.context import RequestContext
from resolvers.errors import BadInput, NotFound, not_found

Row = TypeVar("Row", LeadStatus, LeadSource, Pipeline, DealStage)


async def _by_id(ctx: RequestContext, model: type[Row], ids: list[int]) -> Sequence[Row | None]:
    async with ctx.db() as session:
        rows = (await session.execute(select(model).where(model.id.in_(ids)))).scalars()
        found = {row.id: row for row in rows}
    return [found.get(pk) for pk in ids]


async def statuses_by_id(ctx: RequestContext, ids: list[int]) -> Sequence[LeadStatus | None]:
    return await _by_id(ctx, LeadStatus, ids)


async def sources_by_id(ctx: RequestContext, ids: list[int]) -> Sequence[LeadSource | None]:
    return await _by_id(ctx, LeadSource, ids)


async def pipelines_by_id(ctx: RequestContext, ids: list[int]) -> Sequence[Pipeline | None]:
    return await _by_id(ctx, Pipeline, ids)


async def stages_by_id(ctx: RequestContext, ids: list[int]) -> Sequence[DealStage | None]:
    return await _by_id(ctx, DealStage, ids)


async def stages_by_pipeline_id(
    ctx: RequestContext, pipeline_ids: list[int]
) -> Sequence[list[DealStage]]:
    found: dict[int, list[DealStage]] = defaultdict(list)
    async with ctx.db() as session:
        rows = await session.execute(
            select(DealStage)
            .where(DealStage.pipeline_id.in_(pipeline_ids))
            .order_by(DealStage.sort, DealStage.id)
        )
        for stage in rows.scalars():
            found[stage.pipeline_id].append(stage)
    return [found[pk] for pk in pipeline_ids]


async def list_lead_statuses(ctx: RequestContext) -> list[LeadStatus]:
    ctx.require_viewer()
    async with ctx.db() as session:
        query = select(LeadStatus).order_by(LeadStatus.sort, LeadStatus.id)
        return list((await session.execute(query)).scalars())


async def list_lead_sources(ctx: RequestContext) -> list[LeadSource]:
    ctx.require_viewer()
    async with ctx.db() as session:
        query = select(LeadSource).order_by(LeadSource.sort, LeadSource.id)
        return list((await session.execute(query)).scalars())


async def list_pipelines(ctx: RequestContext) -> list[Pipeline]:
    ctx.require_viewer()
    async with ctx.db() as session:
        query = select(Pipeline).order_by(Pipeline.sort, Pipeline.id)
        return list((await session.execute(query)).scalars())


async def get_stage(ctx: RequestContext, stage_id: int) -> DealStage:
    ctx.require_viewer()
    stage = await ctx.loader(stages_by_id).load(stage_id)
    if stage is None:
        raise not_found("DealStage", stage_id)
    return stage


# Used by writes, inside their transaction.


async def default_pipeline(session: AsyncSession) -> Pipeline:
    pipeline = await session.scalar(select(Pipeline).where(Pipeline.is_default.is_(True)).limit(1))
    if pipeline is None:
        raise NotFound("There is no default pipeline; create one first", field="pipelineId")
    return pipeline


async def first_stage(session: AsyncSession, pipeline_id: int) -> DealStage:
    stage = await session.scalar(
        select(DealStage)
        .where(DealStage.pipeline_id == pipeline_id)
        .order_by(DealStage.sort, DealStage.id)
        .limit(1)
    )
    if stage is None:
        raise BadInput("The pipeline has no stages", field="pipelineId")
    return stage


async def first_status(session: AsyncSession, semantics: Semantics) -> LeadStatus:
    status = await session.scalar(
        select(LeadStatus)
        .where(LeadStatus.semantics == semantics)
        .order_by(LeadStatus.sort, LeadStatus.id)
        .limit(1)
    )
    if status is None:
        raise BadInput(f"There is no lead status of {semantics.value} semantics", field="statusId")
    return status


async def require_row(session: AsyncSession, model: type[Row], pk: int, field: str) -> Row:
    """The row; NOT_FOUND otherwise (the model's name is its GraphQL type's)."""
    row = await session.get(model, pk)
    if row is None:
        raise not_found(model.__name__, pk, field)
    return row
