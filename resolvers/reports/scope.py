"""The deals a report counts, and where their fields are shown: the reports' only links to
the CRM's filters, READ rules and field rules, which they call, never restate."""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, SQLColumnExpression, and_, true

from models import AccessAction, AccessLevel
from models.crm import CrmEntity
from resolvers.context import RequestContext
from resolvers.crm.common import refuse_hidden_fields
from resolvers.crm.custom_values import with_custom_fields
from resolvers.crm.field_masks import shown_where
from resolvers.crm.fields import RECORD_FIELDS
from resolvers.crm.filtering import Fields, Filter, where
from resolvers.errors import BadInput
from resolvers.reports.grouping import Dimension

E = TypeVar("E", bound=enum.Enum)


def readable_matching(ctx: RequestContext, fields: Fields, filter: Filter) -> ColumnElement[bool]:
    """The records of ``fields.entity`` the viewer may read that match ``filter``, as its list
    selects them (same refusals of hidden fields, same errors); the bulk form of the READ
    filter, since a report tests every row."""
    assert fields.entity is not None
    refuse_hidden_fields(ctx, fields, filter)
    policy = ctx.require_policy()

    def readable(entity: CrmEntity) -> ColumnElement[bool]:
        return policy.read_filter(entity, bulk=True)

    return and_(readable(fields.entity), where(fields, filter, readable=readable))


def readable_matching_deals(ctx: RequestContext, filter: Filter) -> ColumnElement[bool]:
    """The readable deals matching a filter of built-in fields (the tallies' filters)."""
    return readable_matching(ctx, RECORD_FIELDS[CrmEntity.DEAL], filter)


async def readable_matching_records(
    ctx: RequestContext, entity: CrmEntity, filter: Filter
) -> ColumnElement[bool]:
    """``readable_matching`` over the entity's fields and custom fields, as its list reads
    them (``with_custom_fields``): the same ``custom`` conditions, searches and refusals."""
    fields = await with_custom_fields(ctx, entity, RECORD_FIELDS[entity], filter, ())
    return readable_matching(ctx, fields, filter)


async def shown(
    ctx: RequestContext, entity: CrmEntity, fields: Sequence[str]
) -> ColumnElement[bool]:
    """The rows of ``entity`` on which every one of ``fields`` is shown to the viewer."""
    clauses = [await shown_where(ctx, entity, field) for field in fields]
    return and_(true(), *clauses)


def may_hide(ctx: RequestContext, entity: CrmEntity, fields: Sequence[str]) -> bool:
    policy = ctx.require_policy()
    return any(policy.may_hide_field(entity, field) for field in fields)


async def dimensions(
    ctx: RequestContext,
    entity: CrmEntity,
    wanted: Sequence[E],
    rules: Mapping[E, str | None],
    value_of: Callable[[E], SQLColumnExpression[Any]],
    masks: Mapping[E, ColumnElement[bool]] | None = None,
) -> list[Dimension]:
    """The dimensions of a ``groupBy``, each masked where its field rule (``rules``; None:
    none) hides it, and where ``masks`` (a dimension read from another record) says it is
    not shown."""
    if len(set(wanted)) != len(wanted):
        raise BadInput("Each dimension may appear once in 'groupBy'", field="groupBy")
    found = []
    for dimension in wanted:
        rule = rules[dimension]
        where_shown = None
        if rule is not None and may_hide(ctx, entity, [rule]):
            where_shown = await shown(ctx, entity, [rule])
        mask = (masks or {}).get(dimension)
        if mask is not None:
            where_shown = mask if where_shown is None else and_(where_shown, mask)
        found.append(Dimension(dimension.value, value_of(dimension), where_shown))
    return found


def unreadable_stages(ctx: RequestContext, stage_ids: Sequence[int]) -> set[int]:
    """The deal stages among ``stage_ids`` in which the viewer may read no deal (the rules
    the viewer holds, not the records: saying so reveals nothing)."""
    policy = ctx.require_policy()
    if policy.viewer.is_admin:
        return set()
    return {
        stage_id
        for stage_id in stage_ids
        if policy.level(CrmEntity.DEAL, AccessAction.READ, stage_id) is AccessLevel.NONE
    }
