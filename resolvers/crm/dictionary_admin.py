"""The administrator's changes to the dictionaries: create, rename, reorder, delete.

Statuses and stages stay grouped by semantics — in progress first, then success, then
failure — whatever order is asked for within a group. Deleting a row still used by leads or
deals is a CONFLICT, and so is removing the last status or stage of a semantics (conversion
needs a SUCCESS status; won / lost need stages).

Access rules may name a semantics or a pipeline, which covers statuses and stages created
later: creating or deleting a status, stage or pipeline is an access change (every policy is
recompiled with it, every open subscription resubscribes), and deleting one deletes the rules
that name it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, SQLColumnExpression, delete, func, select
from sqlalchemy import text as sql
from sqlalchemy.ext.asyncio import AsyncSession

from models import RuleScope
from models.crm import (
    CrmEntity,
    Deal,
    DealStage,
    Lead,
    LeadSource,
    LeadStatus,
    Pipeline,
    Semantics,
)
from models.crm.tallies import REFRESH_FURTHEST_SQL
from resolvers.access.freshness import access_changed
from resolvers.access.grants import forget_rules_of
from resolvers.context import RequestContext
from resolvers.crm.dictionaries import require_row
from resolvers.errors import BadInput, Conflict, not_found
from resolvers.validation import text

MAX_NAME = 100
RANK = {Semantics.PROCESS: 0, Semantics.SUCCESS: 1, Semantics.FAILURE: 2}
NEW_PIPELINE_STAGES = [
    ("New", Semantics.PROCESS),
    ("Won", Semantics.SUCCESS),
    ("Lost", Semantics.FAILURE),
]

Row = LeadStatus | LeadSource | Pipeline | DealStage


@dataclass(frozen=True)
class Dictionary:
    model: type[Row]
    what: str
    # The column of the records that refer to a row, to refuse deleting a row in use.
    used_by: SQLColumnExpression[Any]


LEAD_STATUSES = Dictionary(LeadStatus, "lead status", Lead.status_id)
LEAD_SOURCES = Dictionary(LeadSource, "lead source", Lead.source_id)
PIPELINES = Dictionary(Pipeline, "pipeline", Deal.pipeline_id)
DEAL_STAGES = Dictionary(DealStage, "deal stage", Deal.stage_id)


async def _entry(session: AsyncSession, dictionary: Dictionary, pk: int) -> Row:
    row: Row | None = await session.get(dictionary.model, pk)
    if row is None:
        raise not_found(dictionary.model.__name__, pk)
    return row


def _name(value: str) -> str:
    return text(value, "name", max_length=MAX_NAME)


def _siblings(dictionary: Dictionary, pipeline_id: int | None) -> Select[Any]:
    statement = select(dictionary.model)
    if dictionary.model is DealStage:
        statement = statement.where(DealStage.pipeline_id == pipeline_id)
    return statement.order_by(dictionary.model.sort, dictionary.model.id)


def _rank(row: Row) -> int:
    semantics = getattr(row, "semantics", Semantics.PROCESS)
    return RANK[semantics]


def _renumber(rows: Sequence[Row]) -> None:
    for index, row in enumerate(sorted(rows, key=_rank)):  # stable: keeps order in a group
        row.sort = (index + 1) * 10


async def create_entry(
    ctx: RequestContext,
    dictionary: Dictionary,
    name: str,
    semantics: Semantics = Semantics.PROCESS,
    pipeline_id: int | None = None,
) -> Row:
    """A new row, last of its semantics group."""
    admin = ctx.require_admin()
    clean_name = _name(name)
    async with ctx.db() as session:
        if dictionary.model is DealStage:
            await require_row(session, Pipeline, pipeline_id or 0, "pipelineId")
        siblings = list((await session.execute(_siblings(dictionary, pipeline_id))).scalars())
        row: Row
        if dictionary.model is LeadStatus:
            row = LeadStatus(name=clean_name, semantics=semantics, sort=0)
        elif dictionary.model is DealStage:
            assert pipeline_id is not None
            row = DealStage(name=clean_name, semantics=semantics, pipeline_id=pipeline_id, sort=0)
        elif dictionary.model is Pipeline:
            row = Pipeline(name=clean_name, sort=0, is_default=not siblings)
        else:
            row = LeadSource(name=clean_name, sort=0)
        session.add(row)
        await session.flush()
        _renumber([*siblings, row])
        if isinstance(row, Pipeline):
            session.add_all(
                DealStage(pipeline_id=row.id, name=stage, semantics=kind, sort=(i + 1) * 10)
                for i, (stage, kind) in enumerate(NEW_PIPELINE_STAGES)
            )
        if not isinstance(row, LeadSource):
            await access_changed(session, actor_id=admin.user_id)
        await session.commit()
    ctx.forget_loaded()
    return row


async def rename_entry(ctx: RequestContext, dictionary: Dictionary, pk: int, name: str) -> Row:
    ctx.require_admin()
    clean_name = _name(name)
    async with ctx.db() as session:
        row = await _entry(session, dictionary, pk)
        row.name = clean_name
        await session.commit()
    ctx.forget_loaded()
    return row


async def make_default_pipeline(ctx: RequestContext, pk: int) -> Pipeline:
    ctx.require_admin()
    async with ctx.db() as session:
        pipeline = await require_row(session, Pipeline, pk, "id")
        for other in (await session.execute(select(Pipeline).where(Pipeline.is_default))).scalars():
            other.is_default = False
        pipeline.is_default = True
        await session.commit()
    ctx.forget_loaded()
    return pipeline


async def reorder_entries(
    ctx: RequestContext, dictionary: Dictionary, ids: Sequence[int], pipeline_id: int | None = None
) -> list[Row]:
    """Puts the rows in the order of ``ids``, which must name each row (of the pipeline)
    exactly once and keep the semantics groups in order."""
    ctx.require_admin()
    async with ctx.db() as session:
        if dictionary.model is DealStage:
            await require_row(session, Pipeline, pipeline_id or 0, "pipelineId")
        rows = {
            row.id: row
            for row in (await session.execute(_siblings(dictionary, pipeline_id))).scalars()
        }
        if sorted(ids) != sorted(rows):
            raise BadInput(f"Give every {dictionary.what} exactly once", field="ids")
        ordered = [rows[pk] for pk in ids]
        ranks = [_rank(row) for row in ordered]
        if ranks != sorted(ranks):
            raise BadInput("In progress first, then success, then failure", field="ids")
        _renumber(ordered)
        if dictionary.model is DealStage:
            await session.flush()
            await refresh_furthest(session, pipeline_id or 0)
        await session.commit()
    ctx.forget_loaded()
    return ordered


async def delete_entry(ctx: RequestContext, dictionary: Dictionary, pk: int) -> int:
    admin = ctx.require_admin()
    async with ctx.db() as session:
        row = await _entry(session, dictionary, pk)
        if await _in_use(session, dictionary.used_by, pk):
            raise Conflict(
                f"The {dictionary.what} still holds records; move them first", field="id"
            )
        if isinstance(row, Pipeline) and row.is_default:
            raise Conflict("Make another pipeline the default first", field="id")
        if isinstance(row, (LeadStatus, DealStage)):
            await _refuse_last_of_semantics(session, dictionary, row)
        if not isinstance(row, LeadSource):
            await _forget_rules_of(session, row)
            await access_changed(session, actor_id=admin.user_id)
        if isinstance(row, Pipeline):
            await session.execute(delete(DealStage).where(DealStage.pipeline_id == row.id))
        await session.delete(row)
        if isinstance(row, DealStage):
            await session.flush()
            await refresh_furthest(session, row.pipeline_id)
        await session.commit()
    ctx.forget_loaded()
    return pk


async def refresh_furthest(session: AsyncSession, pipeline_id: int) -> None:
    """The deals' furthest working stage depends on the stages' order (and on the stages
    their history still names): recompute it, in the same transaction (the tallies follow)."""
    await session.execute(sql(REFRESH_FURTHEST_SQL), {"pipeline_id": pipeline_id})


async def _forget_rules_of(session: AsyncSession, row: LeadStatus | Pipeline | DealStage) -> None:
    if isinstance(row, LeadStatus):
        await forget_rules_of(session, CrmEntity.LEAD, [RuleScope.of_status(row.id)])
        return
    if isinstance(row, DealStage):
        await forget_rules_of(session, CrmEntity.DEAL, [RuleScope.of_status(row.id)])
        return
    stages = await session.scalars(select(DealStage.id).where(DealStage.pipeline_id == row.id))
    scopes = [RuleScope.of_pipeline(row.id), *map(RuleScope.of_status, stages.all())]
    await forget_rules_of(session, CrmEntity.DEAL, scopes)


async def _in_use(session: AsyncSession, column: SQLColumnExpression[Any], pk: int) -> bool:
    return bool(await session.scalar(select(func.count()).where(column == pk)))


async def _refuse_last_of_semantics(
    session: AsyncSession, dictionary: Dictionary, row: LeadStatus | DealStage
) -> None:
    pipeline_id = row.pipeline_id if isinstance(row, DealStage) else None
    siblings = (await session.execute(_siblings(dictionary, pipeline_id))).scalars()
    if not any(other.id != row.id and other.semantics is row.semantics for other in siblings):
        raise Conflict(
            f"The last {dictionary.what} of {row.semantics.value} semantics stays", field="id"
        )
