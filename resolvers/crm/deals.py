"""Deals: reading, creating, changing, moving through the pipeline's stages, deleting."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import utcnow
from models.crm import (
    Company,
    Contact,
    CrmEntity,
    Deal,
    DealContact,
    DealStage,
    DealStageMove,
    Pipeline,
    Semantics,
)
from resolvers.context import RequestContext
from resolvers.crm import events
from resolvers.crm.common import (
    MAX_TITLE,
    currency,
    list_records,
    money,
    percent,
    require_all,
    require_user,
    rows_by_id,
)
from resolvers.crm.dictionaries import default_pipeline, first_stage, require_row
from resolvers.crm.fields import RECORD_FIELDS
from resolvers.crm.filtering import Filter
from resolvers.crm.guards import (
    guard_create,
    guard_create_in_stage,
    guard_delete,
    guard_move,
    guard_stage_unlocked,
    guard_update,
    guard_update_allowed,
)
from resolvers.crm.removal import forget_record
from resolvers.crm.timeline import Changes, write_changes
from resolvers.crm.visibility import visible_companies, visible_contacts, visible_deals
from resolvers.errors import BadInput, NotFound
from resolvers.locking import lock_for_write
from resolvers.pagination import Page, PageRequest
from resolvers.patch import MISSING, Missing
from resolvers.validation import text

DEFAULT_CURRENCY = "USD"
MAX_CONTACTS = 50


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


@dataclass(frozen=True)
class DealChanges:
    title: str | Missing = MISSING
    amount: Decimal | Missing = MISSING
    currency: str | Missing = MISSING
    probability: int | Missing | None = MISSING
    company_id: int | Missing | None = MISSING
    contact_ids: Sequence[int] | Missing = MISSING
    assigned_to_id: int | Missing | None = MISSING
    opened: bool | Missing = MISSING


@dataclass(frozen=True)
class CheckedDeal:
    """A deal's own fields, checked; references are checked against the database later."""

    new: NewDeal
    title: str
    amount: Decimal
    currency: str
    probability: int | None
    contact_ids: list[int]


# Loaders


async def deals_by_id(ctx: RequestContext, ids: list[int]) -> Sequence[Deal | None]:
    return await rows_by_id(ctx, visible_deals(ctx), Deal.id, ids)


# Reading


async def get_deal(ctx: RequestContext, deal_id: int, field: str = "id") -> Deal:
    ctx.require_viewer()
    deal = await ctx.loader(deals_by_id).load(deal_id)
    if deal is None:
        raise NotFound(f"No deal with id {deal_id}", field=field)
    return deal


async def list_deals(
    ctx: RequestContext, filter: Filter, order: Sequence[tuple[str, bool]], page: PageRequest
) -> Page[Deal]:
    return await list_records(
        ctx,
        visible_deals(ctx),
        RECORD_FIELDS[CrmEntity.DEAL],
        filter,
        order,
        page,
        counted=visible_deals(ctx, bulk=True),
    )


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
    session.add_all(DealContact(deal_id=deal.id, contact_id=pk) for pk in checked.contact_ids)
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
        title=text(new.title, "title", max_length=MAX_TITLE),
        amount=money(new.amount, "amount"),
        currency=currency(new.currency),
        probability=percent(new.probability, "probability"),
        contact_ids=_contact_ids(new.contact_ids),
    )


async def _initial_stage(
    session: AsyncSession, pipeline_id: int | None, stage_id: int | None
) -> DealStage:
    if stage_id is not None:
        stage = await require_row(session, DealStage, stage_id, "stageId", "deal stage")
        if pipeline_id is not None and stage.pipeline_id != pipeline_id:
            raise BadInput("The stage belongs to another pipeline", field="stageId")
        return stage
    if pipeline_id is None:
        pipeline_id = (await default_pipeline(session)).id
    else:
        await require_row(session, Pipeline, pipeline_id, "pipelineId", "pipeline")
    return await first_stage(session, pipeline_id)


def _contact_ids(ids: Sequence[int], field: str = "contactIds") -> list[int]:
    if len(ids) > MAX_CONTACTS:
        raise BadInput(f"At most {MAX_CONTACTS} contacts per deal", field=field)
    return list(dict.fromkeys(ids))


async def _check_references(
    ctx: RequestContext,
    session: AsyncSession,
    company_id: int | None,
    contact_ids: Sequence[int],
    assigned_to_id: int | None,
) -> None:
    if company_id is not None:
        await require_all(session, visible_companies(ctx), Company.id, [company_id], "companyId")
    await require_all(session, visible_contacts(ctx), Contact.id, contact_ids, "contactIds")
    await require_user(session, assigned_to_id, "assignedToId")


async def update_deal(ctx: RequestContext, deal_id: int, changes: DealChanges) -> Deal:
    viewer = ctx.require_viewer()
    async with ctx.db() as session:
        # Locked before it is read, so that each recorded old value is the previous new one.
        await lock_for_write(session, Deal.id, deal_id)
        deal = await session.scalar(visible_deals(ctx).where(Deal.id == deal_id))
        if deal is None:
            raise NotFound(f"No deal with id {deal_id}", field="id")
        before = await guard_update_allowed(ctx, session, deal)
        log = Changes()
        if isinstance(changes.title, str):
            log.set(deal, "title", text(changes.title, "title", max_length=MAX_TITLE), "title")
        if isinstance(changes.amount, Decimal):
            log.set(deal, "amount", money(changes.amount, "amount"), "amount")
        if isinstance(changes.currency, str):
            log.set(deal, "currency", currency(changes.currency), "currency")
        if changes.probability is not MISSING:
            log.set(deal, "probability", percent(changes.probability, "probability"), "probability")
        if changes.company_id is not MISSING:
            await _check_references(ctx, session, changes.company_id, [], None)
            log.set(deal, "company_id", changes.company_id, "companyId")
        if changes.assigned_to_id is not MISSING:
            if changes.assigned_to_id is None:
                raise BadInput("A deal needs a responsible user", field="assignedToId")
            await require_user(session, changes.assigned_to_id, "assignedToId")
            log.set(deal, "assigned_to_id", changes.assigned_to_id, "assignedToId")
        if isinstance(changes.opened, bool):
            log.set(deal, "opened", changes.opened, "opened")
        if not isinstance(changes.contact_ids, Missing):
            await _replace_contacts(ctx, session, deal.id, changes.contact_ids, log)
        await guard_update(ctx, session, deal, before, log)
        write_changes(session, CrmEntity.DEAL, deal.id, viewer.user_id, log)
        await events.record_updated(session, ctx, deal, log)
        await session.commit()
    ctx.forget_loaded()
    return deal


async def _replace_contacts(
    ctx: RequestContext, session: AsyncSession, deal_id: int, ids: Sequence[int], log: Changes
) -> None:
    wanted = _contact_ids(ids)
    await require_all(session, visible_contacts(ctx), Contact.id, wanted, "contactIds")
    current = list(
        (
            await session.execute(
                select(DealContact.contact_id)
                .where(DealContact.deal_id == deal_id)
                .order_by(DealContact.contact_id)
            )
        ).scalars()
    )
    if sorted(wanted) == current:
        return
    await session.execute(delete(DealContact).where(DealContact.deal_id == deal_id))
    session.add_all(DealContact(deal_id=deal_id, contact_id=pk) for pk in wanted)
    log.note("contactIds", ",".join(map(str, current)), ",".join(map(str, sorted(wanted))))


async def move_deal(ctx: RequestContext, deal_id: int, stage_id: int) -> Deal:
    """Moves a deal to a stage of its pipeline; SUCCESS / FAILURE stages close it."""
    viewer = ctx.require_viewer()
    async with ctx.db() as session:
        # Locked before it is read: simultaneous moves are recorded one after the other.
        await lock_for_write(session, Deal.id, deal_id)
        deal = await session.scalar(visible_deals(ctx).where(Deal.id == deal_id))
        if deal is None:
            raise NotFound(f"No deal with id {deal_id}", field="id")
        stage = await require_row(session, DealStage, stage_id, "stageId", "deal stage")
        if stage.pipeline_id != deal.pipeline_id:
            raise BadInput("The stage belongs to another pipeline", field="stageId")
        await guard_stage_unlocked(ctx, session, deal)
        if stage.id == deal.stage_id:
            await session.commit()  # nothing to do: end the transaction, and its lock
            return deal
        await guard_move(ctx, session, deal, await _stage_ids(session, deal.pipeline_id), stage.id)
        old_stage = await require_row(session, DealStage, deal.stage_id, "stageId", "deal stage")
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


async def delete_deal(ctx: RequestContext, deal_id: int) -> int:
    ctx.require_viewer()
    async with ctx.db() as session:
        await lock_for_write(session, Deal.id, deal_id)
        deal = await session.scalar(visible_deals(ctx).where(Deal.id == deal_id))
        if deal is None:
            raise NotFound(f"No deal with id {deal_id}", field="id")
        await guard_delete(ctx, session, deal)
        await forget_record(session, CrmEntity.DEAL, deal.id)
        await session.delete(deal)
        await events.record_deleted(session, ctx, deal)
        await session.commit()
    ctx.forget_loaded()
    return deal_id
