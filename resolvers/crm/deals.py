"""Deals: reading, creating, changing, moving through the pipeline's stages, deleting."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models import utcnow
from models.crm import (
    Company,
    CrmEntity,
    Deal,
    DealStage,
    DealStageMove,
    Pipeline,
    Semantics,
)
from models.crm.entities import DEAL
from models.crm.entities.deal import DEFAULT_CURRENCY
from resolvers.context import RequestContext
from resolvers.crm import events
from resolvers.crm.common import require_all, require_user
from resolvers.crm.custom_values import CustomInput, write_custom
from resolvers.crm.dictionaries import default_pipeline, first_stage, require_row
from resolvers.crm.guards import (
    guard_create,
    guard_create_in_stage,
    guard_move,
    guard_stage_unlocked,
)
from resolvers.crm.records import (
    checked_value,
    insert_links,
    link_ids,
    require_linkable,
    writable_record,
)
from resolvers.crm.timeline import Changes, write_changes
from resolvers.crm.visibility import visible_companies
from resolvers.errors import BadInput


@dataclass(frozen=True)
class NewDeal:
    title: str
    pipeline_id: int | None = None
    stage_id: int | None = None
    amount: Decimal = Decimal("0")
    currency: str = DEFAULT_CURRENCY
    probability: int | None = None
    company_id: int | None = None
    contact_ids: Sequence[int] = ()
    assigned_to_id: int | None = None
    opened: bool = True
    source_lead_id: int | None = None
    # None for a record no client filled in (a conversion): required fields may stay empty.
    custom_fields: Sequence[CustomInput] | None = None


@dataclass(frozen=True)
class CheckedDeal:
    """A deal's own fields, checked; references are checked against the database later."""

    new: NewDeal
    title: str
    amount: Decimal
    currency: str
    probability: int | None
    contact_ids: list[int]


# Writing


async def create_deal(ctx: RequestContext, new: NewDeal) -> Deal:
    viewer = ctx.require_viewer()
    checked = check_new_deal(new)
    async with ctx.db() as session:
        deal = await insert_deal(ctx, session, checked, viewer.user_id)
        await events.record_created(session, ctx, deal)
        await session.commit()
    ctx.forget_loaded()
    return deal


async def insert_deal(
    ctx: RequestContext, session: AsyncSession, checked: CheckedDeal, author_id: int
) -> Deal:
    """Adds a checked deal to ``session`` (no commit): shared with lead conversion."""
    new = checked.new
    stage = await _initial_stage(session, new.pipeline_id, new.stage_id)
    await _check_references(ctx, session, new.company_id, checked.contact_ids, new.assigned_to_id)
    deal = Deal(
        title=checked.title,
        pipeline_id=stage.pipeline_id,
        stage_id=stage.id,
        amount=checked.amount,
        currency=checked.currency,
        probability=checked.probability,
        company_id=new.company_id,
        assigned_to_id=author_id if new.assigned_to_id is None else new.assigned_to_id,
        created_by_id=author_id,
        opened=new.opened,
        source_lead_id=new.source_lead_id,
        closed_at=None if stage.semantics is Semantics.PROCESS else utcnow(),
    )
    await guard_create(ctx, session, deal)
    if new.stage_id is not None:
        stage_ids = await _stage_ids(session, deal.pipeline_id)
        await guard_create_in_stage(ctx, session, deal, stage_ids)
    session.add(deal)
    await session.flush()
    insert_links(session, DEAL.field("contacts"), deal.id, checked.contact_ids)
    await write_custom(
        ctx,
        session,
        CrmEntity.DEAL,
        deal.id,
        new.custom_fields or (),
        Changes(),
        creating=True,
        enforce_required=new.custom_fields is not None,
    )
    session.add(
        DealStageMove(
            deal_id=deal.id, from_stage_id=None, to_stage_id=stage.id, moved_by_id=author_id
        )
    )
    return deal


def check_new_deal(new: NewDeal) -> CheckedDeal:
    """The deal's own fields checked, before anything touches the database."""
    return CheckedDeal(
        new=new,
        title=checked_value(DEAL.field("title"), new.title),
        amount=checked_value(DEAL.field("amount"), new.amount),
        currency=checked_value(DEAL.field("currency"), new.currency),
        probability=checked_value(DEAL.field("probability"), new.probability),
        contact_ids=link_ids(DEAL.field("contacts"), new.contact_ids),
    )


async def _initial_stage(
    session: AsyncSession, pipeline_id: int | None, stage_id: int | None
) -> DealStage:
    if stage_id is not None:
        stage = await require_row(session, DealStage, stage_id, "stageId")
        if pipeline_id is not None and stage.pipeline_id != pipeline_id:
            raise BadInput("The stage belongs to another pipeline", field="stageId")
        return stage
    if pipeline_id is None:
        pipeline_id = (await default_pipeline(session)).id
    else:
        await require_row(session, Pipeline, pipeline_id, "pipelineId")
    return await first_stage(session, pipeline_id)


async def _check_references(
    ctx: RequestContext,
    session: AsyncSession,
    company_id: int | None,
    contact_ids: Sequence[int],
    assigned_to_id: int | None,
) -> None:
    if company_id is not None:
        await require_all(session, visible_companies(ctx), Company.id, [company_id], "companyId")
    await require_linkable(ctx, session, DEAL.field("contacts"), contact_ids)
    await require_user(session, assigned_to_id, "assignedToId")


async def move_deal(ctx: RequestContext, deal_id: int, stage_id: int) -> Deal:
    """Moves a deal to a stage of its pipeline; SUCCESS / FAILURE stages close it."""
    viewer = ctx.require_viewer()
    async with ctx.db() as session:
        # Locked before it is read: simultaneous moves are recorded one after the other.
        deal: Deal = await writable_record(ctx, session, CrmEntity.DEAL, deal_id)
        stage = await require_row(session, DealStage, stage_id, "stageId")
        if stage.pipeline_id != deal.pipeline_id:
            raise BadInput("The stage belongs to another pipeline", field="stageId")
        await guard_stage_unlocked(ctx, session, deal)
        if stage.id == deal.stage_id:
            await session.commit()  # nothing to do: end the transaction, and its lock
            return deal
        await guard_move(ctx, session, deal, await _stage_ids(session, deal.pipeline_id), stage.id)
        old_stage = await require_row(session, DealStage, deal.stage_id, "stageId")
        log = Changes()
        log.note("stage", old_stage.name, stage.name)
        deal.stage_id = stage.id
        if stage.semantics is Semantics.PROCESS:
            log.set(deal, "closed_at", None, "closedAt")
        elif old_stage.semantics is Semantics.PROCESS or deal.closed_at is None:
            log.set(deal, "closed_at", utcnow(), "closedAt")
        session.add(
            DealStageMove(
                deal_id=deal.id,
                from_stage_id=old_stage.id,
                to_stage_id=stage.id,
                moved_by_id=viewer.user_id,
            )
        )
        write_changes(session, CrmEntity.DEAL, deal.id, viewer.user_id, log)
        await events.deal_stage_moved(session, ctx, deal, old_stage, stage, log)
        await session.commit()
    ctx.forget_loaded()
    return deal


async def _stage_ids(session: AsyncSession, pipeline_id: int) -> list[int]:
    """The pipeline's stages in order, for the transition check."""
    rows = await session.scalars(
        select(DealStage.id)
        .where(DealStage.pipeline_id == pipeline_id)
        .order_by(DealStage.sort, DealStage.id)
    )
    return list(rows)
