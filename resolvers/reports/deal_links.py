"""Deal dimensions read through a link or the stage history: the deal's company, the source
of the lead it came from, and when it entered the stage it is in.

A link shows through the API only where the viewer may read the linked record and neither
end hides it (``schema/crm/masking.py``): a deal's ``company`` is null where the company
hides its ``deals``, its ``sourceLead`` null where the lead hides its ``deal``. The keys here
follow the same rules in SQL, so a report tells no more of a link than the deal list does:
where the link does not show, the key is null ("none you may see"), as the field is.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    ColumnElement,
    SQLColumnExpression,
    and_,
    case,
    exists,
    func,
    not_,
    null,
    select,
)

from models import AccessAction, AccessLevel
from models.crm import CrmEntity, Deal, DealStageMove, Lead
from models.crm.entities import declaration_of, other_end_of
from resolvers.context import RequestContext
from resolvers.crm.field_masks import shown_where


async def linked_record_shown(
    ctx: RequestContext, entity: CrmEntity, field_name: str
) -> ColumnElement[bool] | None:
    """The rows of the entity an ``entity`` record links to through ``field_name`` that show
    through that link: readable, and not hiding their end of it (the linking record's own
    rule is the caller's). None: every linked record shows."""
    other_end = other_end_of(entity, field_name)
    assert other_end is not None
    target, end_field = other_end
    policy = ctx.require_policy()
    if policy.viewer.is_admin:
        return None
    every_readable = declaration_of(target).status_model is None and (
        policy.level(target, AccessAction.READ, None) is AccessLevel.ALL
    )
    if every_readable and not policy.may_hide_field(target, end_field):
        return None
    readable = policy.read_filter(target, bulk=True)
    return and_(readable, await shown_where(ctx, target, end_field))


async def company_value(ctx: RequestContext) -> SQLColumnExpression[Any]:
    """The deal's company where ``deal.company`` shows it (the deal's own rule aside)."""
    shown = await linked_record_shown(ctx, CrmEntity.DEAL, "company")
    if shown is None:
        return Deal.company_id
    model = declaration_of(CrmEntity.COMPANY).model
    seen = exists().where(model.id == Deal.company_id, shown)
    return case((seen, Deal.company_id), else_=null())


async def source_dimension(
    ctx: RequestContext,
) -> tuple[SQLColumnExpression[Any], ColumnElement[bool] | None]:
    """The source of the lead the deal came from, where ``deal.sourceLead`` shows the lead;
    and where that key is shown: everywhere but on the deals whose lead shows and hides its
    ``source`` (None: everywhere)."""
    shown = await linked_record_shown(ctx, CrmEntity.DEAL, "sourceLead")
    seen_lead = and_(Lead.id == Deal.source_lead_id, *([] if shown is None else [shown]))
    value = select(Lead.source_id).where(seen_lead).scalar_subquery()
    if not ctx.require_policy().may_hide_field(CrmEntity.LEAD, "source"):
        return value, None
    source_shown = await shown_where(ctx, CrmEntity.LEAD, "source")
    return value, not_(exists().where(seen_lead, not_(source_shown)))


def stage_entered_at() -> SQLColumnExpression[Any]:
    """When the deal last entered the stage it is in (its creation when no move says)."""
    entered = (
        select(func.max(DealStageMove.moved_at))
        .where(DealStageMove.deal_id == Deal.id, DealStageMove.to_stage_id == Deal.stage_id)
        .scalar_subquery()
    )
    return func.coalesce(entered, Deal.created_at)
