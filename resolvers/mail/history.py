"""What was sent: mailings and outbox messages, each seen by its author and administrators."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Select, select, true

from models import Mailing, OutboxMessage
from resolvers.context import RequestContext
from resolvers.errors import not_found
from resolvers.pagination import Page, PageRequest, SortKey, fetch_page


def _own(ctx: RequestContext, author: Any) -> ColumnElement[bool]:
    viewer = ctx.require_viewer()
    return true() if viewer.is_admin else author == viewer.user_id


async def list_mailings(ctx: RequestContext, page: PageRequest) -> Page[Mailing]:
    """Newest first."""
    statement: Select[tuple[Mailing]] = select(Mailing).where(_own(ctx, Mailing.author_id))
    return await fetch_page(ctx, statement, [SortKey(Mailing.id, descending=True)], page)


async def list_outbox(
    ctx: RequestContext,
    page: PageRequest,
    mailing_id: int | None = None,
    status: str | None = None,
) -> Page[OutboxMessage]:
    """Newest first; of one mailing, or in one status, when asked."""
    statement: Select[tuple[OutboxMessage]] = select(OutboxMessage).where(
        _own(ctx, OutboxMessage.author_id)
    )
    if mailing_id is not None:
        statement = statement.where(OutboxMessage.mailing_id == mailing_id)
    if status is not None:
        statement = statement.where(OutboxMessage.status == status)
    return await fetch_page(ctx, statement, [SortKey(OutboxMessage.id, descending=True)], page)


async def get_mailing(ctx: RequestContext, pk: int) -> Mailing:
    async with ctx.db() as session:
        row = await session.scalar(
            select(Mailing).where(Mailing.id == pk, _own(ctx, Mailing.author_id))
        )
    if row is None:
        raise not_found("Mailing", pk)
    return row


async def get_outbox_message(ctx: RequestContext, pk: int) -> OutboxMessage:
    async with ctx.db() as session:
        row = await session.scalar(
            select(OutboxMessage).where(OutboxMessage.id == pk, _own(ctx, OutboxMessage.author_id))
        )
    if row is None:
        raise not_found("OutboxMessage", pk)
    return row
