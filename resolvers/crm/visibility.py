"""Which CRM records a viewer may read: the one place issue #4's access rules plug into.

Every read of a lead, contact, company or deal — lists, ``node(id)``, nested loaders, search,
duplicates, timelines — starts from the select returned here. For now any logged-in user
sees every record.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, select

from models.crm import Company, Contact, CrmEntity, Deal, Lead
from resolvers.context import RequestContext
from resolvers.errors import NotFound

MODELS: dict[CrmEntity, type[Lead] | type[Contact] | type[Company] | type[Deal]] = {
    CrmEntity.LEAD: Lead,
    CrmEntity.CONTACT: Contact,
    CrmEntity.COMPANY: Company,
    CrmEntity.DEAL: Deal,
}


def visible_leads(ctx: RequestContext) -> Select[tuple[Lead]]:
    ctx.require_viewer()
    return select(Lead)


def visible_contacts(ctx: RequestContext) -> Select[tuple[Contact]]:
    ctx.require_viewer()
    return select(Contact)


def visible_companies(ctx: RequestContext) -> Select[tuple[Company]]:
    ctx.require_viewer()
    return select(Company)


def visible_deals(ctx: RequestContext) -> Select[tuple[Deal]]:
    ctx.require_viewer()
    return select(Deal)


def visible(ctx: RequestContext, entity: CrmEntity) -> Select[Any]:
    if entity is CrmEntity.LEAD:
        return visible_leads(ctx)
    if entity is CrmEntity.CONTACT:
        return visible_contacts(ctx)
    if entity is CrmEntity.COMPANY:
        return visible_companies(ctx)
    return visible_deals(ctx)


async def require_visible(ctx: RequestContext, entity: CrmEntity, pk: int, field: str) -> Any:
    """The record, or NOT_FOUND naming ``field`` (also when it exists but is not visible)."""
    model = MODELS[entity]
    async with ctx.db() as session:
        row = await session.scalar(visible(ctx, entity).where(model.id == pk))
    if row is None:
        raise NotFound(f"No {entity.value.lower()} with id {pk}", field=field)
    return row
