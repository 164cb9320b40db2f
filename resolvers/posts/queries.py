"""Reading posts: the visible list, one post, and the batch loaders of their relations."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Select, func, or_, select

from models import Post, PostLike, PostRecipient
from resolvers.context import RequestContext
from resolvers.errors import NotFound
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
        raise NotFound(f"No post with id {post_id}", field="id")
    return post


async def posts_by_id(ctx: RequestContext, ids: list[int]) -> Sequence[Post | None]:
    """Posts the viewer may see; None for the others and for unknown ids."""
    viewer = ctx.require_viewer()
    async with ctx.db() as session:
        rows = (
            await session.execute(select(Post).where(Post.id.in_(ids), visible_post(viewer)))
        ).scalars()
        found = {post.id: post for post in rows}
    return [found.get(post_id) for post_id in ids]


async def recipients_by_post_id(
    ctx: RequestContext, post_ids: list[int]
) -> Sequence[list[Recipient]]:
    async with ctx.db() as session:
        rows = (
            await session.execute(
                select(PostRecipient)
                .where(PostRecipient.post_id.in_(post_ids))
                .order_by(PostRecipient.id)
            )
        ).scalars()
        recipients: dict[int, list[Recipient]] = defaultdict(list)
        for row in rows:
            recipients[row.post_id].append(as_recipient(row))
    return [recipients[post_id] for post_id in post_ids]


async def likers_by_post_id(ctx: RequestContext, post_ids: list[int]) -> Sequence[list[int]]:
    """Per post, the ids of the users who like it, earliest first."""
    async with ctx.db() as session:
        rows = await session.execute(
            select(PostLike.post_id, PostLike.user_id)
            .where(PostLike.post_id.in_(post_ids))
            .order_by(PostLike.created_at, PostLike.user_id)
        )
        likers: dict[int, list[int]] = defaultdict(list)
        for post_id, user_id in rows:
            likers[post_id].append(user_id)
    return [likers[post_id] for post_id in post_ids]
