"""Reading posts: the visible list, one post, and the batch loaders of their relations."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Select, func, or_, select

from models import Post, PostLike, PostRecipient
from resolvers.batches import many_per_key, one_per_key
from resolvers.context import RequestContext
from resolvers.errors import not_found
from resolvers.pagination import Page, PageRequest, SortKey, fetch_page
from resolvers.posts.access import Recipient, as_recipient, visible_post


@dataclass(frozen=True)
class PostFilter:
    author_id: int | None = None
    important: bool | None = None
    search: str | None = None


def _conditions(filter: PostFilter) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if filter.author_id is not None:
        conditions.append(Post.author_id == filter.author_id)
    if filter.important is not None:
        conditions.append(Post.important.is_(filter.important))
    if filter.search:
        pattern = f"%{filter.search.strip().lower()}%"
        conditions.append(
            or_(func.lower(Post.title).like(pattern), func.lower(Post.body).like(pattern))
        )
    return conditions


async def list_posts(ctx: RequestContext, filter: PostFilter, page: PageRequest) -> Page[Post]:
    """Visible posts, newest first."""
    viewer = ctx.require_viewer()
    statement: Select[tuple[Post]] = select(Post).where(visible_post(viewer), *_conditions(filter))
    keys = [SortKey(Post.created_at, descending=True), SortKey(Post.id, descending=True)]
    return await fetch_page(ctx, statement, keys, page)


async def get_post(ctx: RequestContext, post_id: int) -> Post:
    ctx.require_viewer()
    post = await ctx.loader(posts_by_id).load(post_id)
    if post is None:
        raise not_found("Post", post_id)
    return post


async def posts_by_id(ctx: RequestContext, ids: list[int]) -> Sequence[Post | None]:
    """Posts the viewer may see; None for the others and for unknown ids."""
    viewer = ctx.require_viewer()
    statement = select(Post).where(Post.id.in_(ids), visible_post(viewer))
    async with ctx.db() as session:
        rows = (await session.execute(statement)).scalars().all()
    return one_per_key(rows, lambda post: post.id, ids)


async def recipients_by_post_id(
    ctx: RequestContext, post_ids: list[int]
) -> Sequence[list[Recipient]]:
    statement = (
        select(PostRecipient).where(PostRecipient.post_id.in_(post_ids)).order_by(PostRecipient.id)
    )
    async with ctx.db() as session:
        rows = (await session.execute(statement)).scalars().all()
    return many_per_key(((row.post_id, as_recipient(row)) for row in rows), post_ids)


async def likers_by_post_id(ctx: RequestContext, post_ids: list[int]) -> Sequence[list[int]]:
    """Per post, the ids of the users who like it, earliest first."""
    statement = (
        select(PostLike.post_id, PostLike.user_id)
        .where(PostLike.post_id.in_(post_ids))
        .order_by(PostLike.created_at, PostLike.user_id)
    )
    async with ctx.db() as session:
        rows = (await session.execute(statement)).tuples().all()
    return many_per_key(rows, post_ids)
