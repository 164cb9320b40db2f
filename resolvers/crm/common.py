"""What the four CRM record kinds share: listing, responsible users, money, row loading."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, Generic, Protocol, TypeVar

from sqlalchemy import ColumnElement, Select
from sqlalchemy.ext.asyncio import AsyncSession

from auth.policy import CompiledPolicy
from models import User
from models.crm import CrmEntity
from resolvers.context import RequestContext
from resolvers.crm.field_masks import order_masks
from resolvers.crm.filtering import (
    Fields,
    FieldSpec,
    Filter,
    filtered_fields,
    searches,
    sort_keys,
    where,
)
from resolvers.errors import BadInput, Forbidden, not_found
from resolvers.pagination import Page, PageRequest, SortKey, fetch_page

T = TypeVar("T")


class Identified(Protocol):
    @property
    def id(self) -> int: ...


R = TypeVar("R", bound=Identified)

MAX_AMOUNT = Decimal("9999999999999999.99")
_CURRENCY = re.compile(r"^[A-Z]{3}$")


@dataclass(frozen=True)
class ListQuery(Generic[T]):
    """A list's rows before paging: ``statement`` filtered, unordered; ``keys`` its order;
    ``counted`` the same rows for ``totalCount``."""

    statement: Select[tuple[T]]
    keys: list[SortKey]
    counted: Select[tuple[T]] | None

    async def page(self, ctx: RequestContext, request: PageRequest) -> Page[T]:
        """A keyset page of the rows."""
        return await fetch_page(ctx, self.statement, self.keys, request, counted=self.counted)


async def list_query(
    ctx: RequestContext,
    statement: Select[tuple[T]],
    fields: Fields,
    filter: Filter,
    order: Sequence[tuple[str, bool]],
    counted: Select[tuple[T]] | None = None,
) -> ListQuery[T]:
    """A visible_x() select filtered and ordered by the entity's fields.

    ``counted`` is the same select with the bulk form of the READ filter (``visible_x(ctx,
    bulk=True)``): ``totalCount`` counts it, testing every row, while the page stops after a
    few. The filter's nested readability tests (a deal's company, in a search) are ``IN``
    subqueries over every matching record, so they take the bulk form too.
    """
    refuse_hidden_fields(ctx, fields, filter)
    keys = sort_keys(fields, order, await order_masks(ctx, fields, order))
    policy = ctx.require_policy()

    def readable(entity: CrmEntity) -> ColumnElement[bool]:
        return policy.read_filter(entity, bulk=True)

    condition = where(fields, filter, readable=readable)
    return ListQuery(
        statement.where(condition),
        keys,
        None if counted is None else counted.where(condition),
    )


def refuse_hidden_fields(ctx: RequestContext, fields: Fields, filter: Filter) -> None:
    """FORBIDDEN for a filter or a search on a field some role of the viewer hides (at any
    nesting, under ``and``, ``or`` and ``not``): the rows it selects would reveal the hidden
    values. Orders sort hidden values apart instead (``field_masks``)."""
    if fields.entity is None:
        return
    policy = ctx.require_policy()
    for name in sorted(filtered_fields(filter)):
        spec = fields.by_name.get(name)
        if spec is not None and _hidden_somewhere(policy, fields.entity, spec):
            raise Forbidden(
                f"'{name}' is hidden from you: you cannot filter on it", field=f"filter.{name}"
            )
    if searches(filter) and any(
        policy.may_hide_field(entity, name) for entity, name in fields.searched
    ):
        raise Forbidden("The search reads a field hidden from you", field="filter.search")


def _hidden_somewhere(policy: CompiledPolicy, entity: CrmEntity, spec: FieldSpec) -> bool:
    """Whether a role of the viewer may hide the field, or the link from its other end."""
    if spec.rule is not None and policy.may_hide_field(entity, spec.rule):
        return True
    return spec.other_end is not None and policy.may_hide_field(*spec.other_end)


async def rows_by_id(
    ctx: RequestContext, statement: Select[tuple[R]], pk: Any, ids: list[int]
) -> Sequence[R | None]:
    """Loader body: the rows of a visible_x() select with these ids, aligned to ``ids``."""
    async with ctx.db() as session:
        rows = (await session.execute(statement.where(pk.in_(ids)))).scalars()
        found = {row.id: row for row in rows}
    return [found.get(pk_value) for pk_value in ids]


async def require_user(session: AsyncSession, user_id: int | None, field: str) -> None:
    if user_id is None:
        return
    if await session.get(User, user_id) is None:
        raise not_found("User", user_id, field)


async def require_all(
    session: AsyncSession, statement: Select[Any], pk: Any, ids: Sequence[int], field: str
) -> None:
    """NOT_FOUND naming ``field`` unless every id is a row of ``statement``; ``pk`` is the
    primary key column of a model named as its GraphQL type."""
    wanted = set(ids)
    if not wanted:
        return
    found = set(
        (await session.execute(statement.with_only_columns(pk).where(pk.in_(wanted)))).scalars()
    )
    missing = sorted(wanted - found)
    if missing:
        raise not_found(pk.class_.__name__, missing[0], field)


def money(value: Decimal, field: str) -> Decimal:
    """A non-negative amount with at most two decimals, within NUMERIC(18, 2)."""
    try:
        if not value.is_finite() or value != value.quantize(Decimal("0.01")):
            raise BadInput(f"'{field}' must be a number with at most 2 decimals", field=field)
    except InvalidOperation as error:
        raise BadInput(f"'{field}' is too large", field=field) from error
    if value < 0:
        raise BadInput(f"'{field}' must not be negative", field=field)
    if value > MAX_AMOUNT:
        raise BadInput(f"'{field}' must be at most {MAX_AMOUNT}", field=field)
    return value.quantize(Decimal("0.01"))


def currency(value: str, field: str = "currency") -> str:
    code = value.strip().upper()
    if not _CURRENCY.match(code):
        raise BadInput("'currency' must be an ISO 4217 code of 3 letters", field=field)
    return code
