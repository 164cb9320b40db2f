"""A deal's relations, loaded for many deals (or companies) at once: its contacts, a
company's deals, and stage histories."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import select

from models.crm import Contact, CrmEntity, Deal, DealContact, DealStageMove
from models.crm.entities import listing_order
from resolvers.context import RequestContext
from resolvers.crm.visibility import visible_contacts, visible_deals


async def contacts_by_deal_id(ctx: RequestContext, deal_ids: list[int]) -> Sequence[list[Contact]]:
    found: dict[int, list[Contact]] = defaultdict(list)
    statement = (
        visible_contacts(ctx)
        .join(DealContact, DealContact.contact_id == Contact.id)
        .where(DealContact.deal_id.in_(deal_ids))
        .add_columns(DealContact.deal_id)
        .order_by(*listing_order(CrmEntity.CONTACT, Contact.__table__))
    )
    async with ctx.db() as session:
        for contact, deal_id in (await session.execute(statement)).all():
            found[deal_id].append(contact)
    return [found[pk] for pk in deal_ids]


async def deals_by_company_id(ctx: RequestContext, company_ids: list[int]) -> Sequence[list[Deal]]:
    found: dict[int, list[Deal]] = defaultdict(list)
    statement = (
        visible_deals(ctx)
        .where(Deal.company_id.in_(company_ids))
        .order_by(*listing_order(CrmEntity.DEAL, Deal.__table__))
    )
    async with ctx.db() as session:
        for deal in (await session.execute(statement)).scalars():
            assert deal.company_id is not None
            found[deal.company_id].append(deal)
    return [found[pk] for pk in company_ids]


async def stage_moves_by_deal_id(
    ctx: RequestContext, deal_ids: list[int]
) -> Sequence[list[DealStageMove]]:
    found: dict[int, list[DealStageMove]] = defaultdict(list)
    statement = (
        select(DealStageMove)
        .where(DealStageMove.deal_id.in_(deal_ids))
        .order_by(DealStageMove.moved_at, DealStageMove.id)
    )
    async with ctx.db() as session:
        for move in (await session.execute(statement)).scalars():
            found[move.deal_id].append(move)
    return [found[pk] for pk in deal_ids]
