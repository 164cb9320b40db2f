"""Saved views: a named filter, order, search and columns of one entity's list, owned by the
user who saved it, shared with nobody (PERSONAL), the owner's department (DEPARTMENT) or
everyone (EVERYONE).

A view never widens rights: it is only a filter. Whoever applies it gets the list under
their own READ and field rules, and a filter on a field hidden from them is refused as
their list refuses it. A view one may not see answers NOT_FOUND, like a record one may not
read; only its owner (or an administrator) changes or deletes it, others get FORBIDDEN.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, false, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import User
from models.crm import CrmEntity, SavedView, ViewSharing
from resolvers.automation.conditions import from_json, to_json
from resolvers.context import RequestContext
from resolvers.crm.common import refuse_hidden_fields
from resolvers.crm.custom_values import with_custom_fields
from resolvers.crm.exports import export_header, with_search
from resolvers.crm.field_masks import order_masks
from resolvers.crm.fields import RECORD_FIELDS
from resolvers.crm.filtering import Filter, sort_keys, where
from resolvers.errors import BadInput, Forbidden, not_found
from resolvers.validation import text

MAX_NAME = 100
MAX_SEARCH = 200
# What ``savedViews`` answers at most, newest last: a bounded list, not a connection.
MAX_VIEWS = 200

Order = Sequence[tuple[str, bool]]


@dataclass(frozen=True)
class ViewSpec:
    """What a view holds, as the list takes it."""

    name: str
    sharing: ViewSharing = ViewSharing.PERSONAL
    filter: Filter = field(default_factory=Filter)
    order: Order = ()
    search: str | None = None
    columns: Sequence[str] = ()


@dataclass(frozen=True)
class AppliedView:
    """A list's query once a view is applied to what the client gave explicitly."""

    filter: Filter
    order: Order
    # The view's columns (exports take them when the client gives none).
    columns: Sequence[str] = ()


def _shared_with_viewer(ctx: RequestContext) -> ColumnElement[bool]:
    viewer = ctx.require_viewer()
    department: ColumnElement[bool] = false()
    if viewer.department_id is not None:
        colleagues = select(User.id).where(User.department_id == viewer.department_id)
        department = and_(
            SavedView.sharing == ViewSharing.DEPARTMENT, SavedView.owner_id.in_(colleagues)
        )
    return or_(
        SavedView.owner_id == viewer.user_id,
        SavedView.sharing == ViewSharing.EVERYONE,
        department,
    )


def visible_views(ctx: RequestContext) -> Select[tuple[SavedView]]:
    """The views the viewer may see and apply: their own, their department's, everyone's."""
    return select(SavedView).where(_shared_with_viewer(ctx))


async def list_views(ctx: RequestContext, entity: CrmEntity) -> list[SavedView]:
    """One statement, whatever the number of views."""
    statement = (
        visible_views(ctx)
        .where(SavedView.entity == entity)
        .order_by(SavedView.name, SavedView.id)
        .limit(MAX_VIEWS)
    )
    async with ctx.db() as session:
        return list(await session.scalars(statement))


async def get_view(ctx: RequestContext, pk: int, field: str = "id") -> SavedView:
    async with ctx.db() as session:
        view = await session.scalar(visible_views(ctx).where(SavedView.id == pk))
    if view is None:
        raise not_found("SavedView", pk, field)
    return view


def may_change(ctx: RequestContext, view: SavedView) -> bool:
    viewer = ctx.require_viewer()
    return viewer.is_admin or view.owner_id == viewer.user_id


async def _changeable(ctx: RequestContext, session: AsyncSession, pk: int) -> SavedView:
    """The view, for its owner or an administrator: NOT_FOUND when the viewer may not see
    it (an administrator sees every view here), FORBIDDEN when they only may see it."""
    statement = select(SavedView).where(SavedView.id == pk)
    if not ctx.require_viewer().is_admin:
        statement = statement.where(_shared_with_viewer(ctx))
    view = await session.scalar(statement)
    if view is None:
        raise not_found("SavedView", pk)
    if not may_change(ctx, view):
        raise Forbidden("Only the view's owner or an administrator may change it")
    return view


async def entity_of(ctx: RequestContext, pk: int) -> CrmEntity:
    """The entity of a view the viewer may change (NOT_FOUND, FORBIDDEN as for a change)."""
    async with ctx.db() as session:
        return (await _changeable(ctx, session, pk)).entity


async def check_spec(ctx: RequestContext, entity: CrmEntity, spec: ViewSpec) -> ViewSpec:
    """The view checked as its owner's list would check it: unknown fields, custom-field
    codes, orders and columns are BAD_USER_INPUT naming them; a filter on a field hidden from
    the owner is FORBIDDEN."""
    name = text(spec.name, "name", max_length=MAX_NAME, required=True)
    search = None if spec.search is None else spec.search.strip() or None
    if search is not None and len(search) > MAX_SEARCH:
        raise BadInput(f"Search at most {MAX_SEARCH} characters", field="search")
    filter = with_search(spec.filter, search)
    fields = await with_custom_fields(ctx, entity, RECORD_FIELDS[entity], filter, spec.order)
    refuse_hidden_fields(ctx, fields, filter)
    sort_keys(fields, spec.order, await order_masks(ctx, fields, spec.order))
    where(fields, filter, f"filter.{entity.value.lower()}")
    columns = list(spec.columns)
    if len(set(columns)) != len(columns):
        raise BadInput("Each column may appear once", field="columns")
    if columns:
        await export_header(ctx, entity, columns)
    return replace(spec, name=name, search=search, columns=columns)


async def create_view(ctx: RequestContext, entity: CrmEntity, spec: ViewSpec) -> SavedView:
    viewer = ctx.require_viewer()
    checked = await check_spec(ctx, entity, spec)
    view = SavedView(
        name=checked.name,
        entity=entity,
        owner_id=viewer.user_id,
        sharing=checked.sharing,
        filter=to_json(checked.filter),
        order_by=[[name, descending] for name, descending in checked.order],
        search=checked.search,
        columns=list(checked.columns),
    )
    async with ctx.db() as session:
        session.add(view)
        await session.commit()
        await session.refresh(view)
    return view


def spec_of(view: SavedView) -> ViewSpec:
    return ViewSpec(
        name=view.name,
        sharing=view.sharing,
        filter=from_json(view.filter),
        order=[(str(name), bool(descending)) for name, descending in view.order_by],
        search=view.search,
        columns=list(view.columns),
    )


async def update_view(ctx: RequestContext, pk: int, changes: Mapping[str, Any]) -> SavedView:
    """``changes`` names the ViewSpec attributes given; the others stay. The whole view is
    checked again, under the changer's rights."""
    async with ctx.db() as session:
        view = await _changeable(ctx, session, pk)
        checked = await check_spec(ctx, view.entity, replace(spec_of(view), **changes))
        view.name = checked.name
        view.sharing = checked.sharing
        view.filter = to_json(checked.filter)
        view.order_by = [[name, descending] for name, descending in checked.order]
        view.search = checked.search
        view.columns = list(checked.columns)
        await session.commit()
        await session.refresh(view)
    return view


async def delete_view(ctx: RequestContext, pk: int) -> None:
    async with ctx.db() as session:
        view = await _changeable(ctx, session, pk)
        await session.delete(view)
        await session.commit()


def _empty(filter: Filter) -> bool:
    return not (
        filter.conditions
        or filter.search
        or filter.all_of
        or filter.any_of
        or filter.negated is not None
    )


async def apply_view(
    ctx: RequestContext, entity: CrmEntity, pk: int | None, filter: Filter, order: Order
) -> AppliedView:
    """The list's query with the view ``pk`` (None: none) applied. The rule: the view's
    filter and search AND the explicit filter (both must hold); an explicit ``orderBy``
    replaces the view's order. NOT_FOUND for a view the viewer may not see, BAD_USER_INPUT
    for a view of another entity. Rights are the viewer's own: the list applies them."""
    if pk is None:
        return AppliedView(filter, order)
    view = await get_view(ctx, pk, "view")
    if view.entity is not entity:
        raise BadInput(
            f"The view is of {view.entity.value.lower()} records, not "
            f"{entity.value.lower()} records",
            field="view",
        )
    stored = spec_of(view)
    saved = with_search(stored.filter, stored.search)
    if _empty(filter):
        combined = saved
    elif _empty(saved):
        combined = filter
    else:
        # The explicit filter keeps its own paths in errors; the view's is one more `and`.
        combined = replace(filter, all_of=[*filter.all_of, saved])
    return AppliedView(combined, list(order) or list(stored.order), stored.columns)
