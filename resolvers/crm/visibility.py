"""Which CRM records a viewer may read: the one place issue #4's READ rule plugs into.

Every read of a lead, contact, company or deal — lists, ``node(id)``, nested loaders, search,
duplicates, timelines, activities — starts from the select returned here, which carries the
viewer's compiled READ filter in its WHERE clause. So counts and pages only ever see readable
rows, and a record the viewer may not read answers NOT_FOUND, exactly like one that does not
exist (its existence is not revealed).

The filter comes in two forms with the same rows (``auth/policy/levels.py``): the default
one for statements that stop after a few rows (pages, lookups by id), and ``bulk=True`` for
those that test every record (counts, ``IN`` over all readable ids).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Select, or_, select, true

from auth.policy.entities import RECORD_MODELS
from models.crm import ActivityBinding, Company, Contact, CrmEntity, Deal, Lead
from models.crm.entities import type_name_of
from resolvers.context import RequestContext
from resolvers.errors import not_found


def visible_leads(ctx: RequestContext, *, bulk: bool = False) -> Select[tuple[Lead]]:
    return select(Lead).where(ctx.require_policy().read_filter(CrmEntity.LEAD, bulk=bulk))


def visible_contacts(ctx: RequestContext, *, bulk: bool = False) -> Select[tuple[Contact]]:
    return select(Contact).where(ctx.require_policy().read_filter(CrmEntity.CONTACT, bulk=bulk))


def visible_companies(ctx: RequestContext, *, bulk: bool = False) -> Select[tuple[Company]]:
    return select(Company).where(ctx.require_policy().read_filter(CrmEntity.COMPANY, bulk=bulk))


def visible_deals(ctx: RequestContext, *, bulk: bool = False) -> Select[tuple[Deal]]:
    return select(Deal).where(ctx.require_policy().read_filter(CrmEntity.DEAL, bulk=bulk))


def visible(ctx: RequestContext, entity: CrmEntity, *, bulk: bool = False) -> Select[Any]:
    policy = ctx.require_policy()
    return select(RECORD_MODELS[entity]).where(policy.read_filter(entity, bulk=bulk))


def visible_ids(ctx: RequestContext, entity: CrmEntity) -> Select[tuple[int]]:
    """The ids of the readable records of ``entity``: an uncorrelated subquery for IN, which
    tests every record, hence the bulk form of the filter."""
    return visible(ctx, entity, bulk=True).with_only_columns(RECORD_MODELS[entity].id)


def visible_binding(ctx: RequestContext) -> ColumnElement[bool]:
    """Activity bindings to records the viewer may read. An activity is readable when at
    least one of its bindings is, and lists only those bindings."""
    if ctx.require_policy().viewer.is_admin:
        return true()
    return or_(
        *(
            (ActivityBinding.entity_type == entity)
            & ActivityBinding.entity_id.in_(visible_ids(ctx, entity))
            for entity in CrmEntity
        )
    )


async def require_visible(ctx: RequestContext, entity: CrmEntity, pk: int, field: str) -> Any:
    """The record, or NOT_FOUND naming ``field`` (also when it exists but is not visible)."""
    model = RECORD_MODELS[entity]
    async with ctx.db() as session:
        row = await session.scalar(visible(ctx, entity).where(model.id == pk))
    if row is None:
        raise not_found(type_name_of(entity), pk, field)
    return row
