"""The deals a report counts, and where their fields are shown: the reports' only links to
the CRM's filters, READ rules and field rules, which they call, never restate."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import ColumnElement, and_, true

from models.crm import CrmEntity
from resolvers.context import RequestContext
from resolvers.crm.common import refuse_hidden_fields
from resolvers.crm.field_masks import shown_where
from resolvers.crm.fields import DEAL_FIELDS
from resolvers.crm.filtering import Filter, where


def readable_matching_deals(ctx: RequestContext, filter: Filter) -> ColumnElement[bool]:
    """The deals the viewer may read that match ``filter``, as the ``deals`` list selects
    them (same refusals of hidden fields, same errors); the bulk form of the READ filter,
    since a report tests every row."""
    refuse_hidden_fields(ctx, DEAL_FIELDS, filter)
    policy = ctx.require_policy()

    def readable(entity: CrmEntity) -> ColumnElement[bool]:
        return policy.read_filter(entity, bulk=True)

    return and_(readable(CrmEntity.DEAL), where(DEAL_FIELDS, filter, readable=readable))


async def shown(
    ctx: RequestContext, entity: CrmEntity, fields: Sequence[str]
) -> ColumnElement[bool]:
    """The rows of ``entity`` on which every one of ``fields`` is shown to the viewer."""
    clauses = [await shown_where(ctx, entity, field) for field in fields]
    return and_(true(), *clauses)


def may_hide(ctx: RequestContext, entity: CrmEntity, fields: Sequence[str]) -> bool:
    policy = ctx.require_policy()
    return any(policy.may_hide_field(entity, field) for field in fields)
