"""Writing posts: create, edit, delete (author; admins may delete), like and unlike."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from auth.viewer import Viewer
from models import Department, OwnerKind, Post, PostLike, PostRecipient, User, utcnow
from resolvers.comments import forget_comments_of
from resolvers.context import RequestContext
from resolvers.errors import BadInput, Forbidden, not_found
from resolvers.files.forget import discard_files, forget_attachments
from resolvers.notifications import (
    NotificationKind,
    actor_name,
    forget_notifications,
    notify,
)
from resolvers.patch import MISSING, Missing
from resolvers.posts.access import (
    Recipient,
    RecipientKind,
    load_visible_post,
    reached_users,
    recipients_of,
    record_post_event,
)
from resolvers.validation import text
from subscriptions.events import Changes, EventKind

MAX_TITLE = 255
MAX_BODY = 20_000
MAX_RECIPIENTS = 100
# Who liked or unliked, in a like's `changes`.
LIKED_BY_KEY = "likedBy"
# The references among a post's `changes` keys, by the GraphQL type each refers to.
POST_CHANGE_REFERENCES = {LIKED_BY_KEY: "User"}


@dataclass(frozen=True)
class NewPost:
    body: str
    recipients: list[Recipient]
    title: str = ""
    important: bool = False


@dataclass(frozen=True)
class PostChanges:
    title: str | Missing = MISSING
    body: str | Missing = MISSING
    important: bool | Missing = MISSING


async def create_post(ctx: RequestContext, new: NewPost) -> Post:
    viewer = ctx.require_viewer()
    post = Post(
        author_id=viewer.user_id,
        title=text(new.title, "title", max_length=MAX_TITLE, required=False),
        body=text(new.body, "body", max_length=MAX_BODY),
        important=new.important,
    )
    recipients = _distinct(new.recipients)
    async with ctx.db() as session:
        await _require_targets(session, recipients)
        session.add(post)
        await session.flush()
        session.add_all(
            PostRecipient(
                post_id=post.id,
                kind=r.kind.value,
                department_id=r.target_id if r.kind is RecipientKind.DEPARTMENT else None,
                user_id=r.target_id if r.kind is RecipientKind.USER else None,
            )
            for r in recipients
        )
        created: Changes = {"title": [None, post.title], "important": [None, post.important]}
        await record_post_event(
            session, EventKind.POST_CREATED, viewer.user_id, post, recipients, created
        )
        await notify(
            session,
            await reached_users(session, recipients),
            NotificationKind.POST_ADDRESSED,
            ("POST", post.id),
            viewer.user_id,
            f"{await actor_name(session, viewer.user_id)} posted: {post.title or post.body[:80]}",
        )
        await session.commit()
    ctx.forget_loaded()
    return post


async def update_post(ctx: RequestContext, post_id: int, changes: PostChanges) -> Post:
    viewer = ctx.require_viewer()
    async with ctx.db() as session:
        post = await load_visible_post(session, viewer, post_id)
        if post.author_id != viewer.user_id:
            raise Forbidden("Only the author may edit a post")
        changed: Changes = {}
        if isinstance(changes.title, str):
            title = text(changes.title, "title", max_length=MAX_TITLE, required=False)
            if title != post.title:
                changed["title"] = [post.title, title]
                post.title = title
        if isinstance(changes.body, str):
            body = text(changes.body, "body", max_length=MAX_BODY)
            if body != post.body:
                changed["body"] = [post.body, body]
                post.body = body
        if isinstance(changes.important, bool) and changes.important != post.important:
            changed["important"] = [post.important, changes.important]
            post.important = changes.important
        if changed:
            post.updated_at = utcnow()
            recipients = await recipients_of(session, post.id)
            await record_post_event(
                session, EventKind.POST_UPDATED, viewer.user_id, post, recipients, changed
            )
        await session.commit()
    ctx.forget_loaded()
    return post


async def delete_post(ctx: RequestContext, post_id: int) -> int:
    viewer = ctx.require_viewer()
    async with ctx.db() as session:
        post = await load_visible_post(session, viewer, post_id)
        if post.author_id != viewer.user_id and not viewer.is_admin:
            raise Forbidden("Only the author or an admin may delete a post")
        # Read before the delete, which takes the recipients with it.
        recipients = await recipients_of(session, post.id)
        await forget_comments_of(session, post_id=post.id)
        await forget_attachments(session, OwnerKind.POST, [post.id])
        await forget_notifications(session, "POST", [post.id])
        await session.delete(post)
        deleted: Changes = {"title": [post.title, None]}
        await record_post_event(
            session, EventKind.POST_DELETED, viewer.user_id, post, recipients, deleted
        )
        await session.commit()
        await discard_files(ctx.services.files.store, session)
    ctx.forget_loaded()
    return post_id


async def like_post(ctx: RequestContext, post_id: int) -> Post:
    """Likes once; liking again changes nothing and tells nobody again."""
    viewer = ctx.require_viewer()
    async with ctx.db() as session:
        post = await load_visible_post(session, viewer, post_id, "postId")
        if await session.get(PostLike, (post_id, viewer.user_id)) is not None:
            return post
        session.add(PostLike(post_id=post_id, user_id=viewer.user_id))
        try:
            await session.flush()
        except IntegrityError:
            # The same user's like, committed by a concurrent request a moment ago. The
            # rollback expired the post: read it afresh.
            await session.rollback()
            return await load_visible_post(session, viewer, post_id, "postId")
        await _record_like(session, viewer, post, liked=True)
        await notify(
            session,
            [post.author_id],
            NotificationKind.POST_LIKED,
            ("POST", post.id),
            viewer.user_id,
            f"{await actor_name(session, viewer.user_id)} likes your post",
        )
        await session.commit()
    ctx.forget_loaded()
    return post


async def unlike_post(ctx: RequestContext, post_id: int) -> Post:
    viewer = ctx.require_viewer()
    async with ctx.db() as session:
        post = await load_visible_post(session, viewer, post_id, "postId")
        removed = await session.execute(
            delete(PostLike).where(PostLike.post_id == post_id, PostLike.user_id == viewer.user_id)
        )
        if getattr(removed, "rowcount", 0):
            await _record_like(session, viewer, post, liked=False)
            await session.commit()
    ctx.forget_loaded()
    return post


async def _record_like(session: AsyncSession, viewer: Viewer, post: Post, *, liked: bool) -> None:
    kind = EventKind.POST_LIKED if liked else EventKind.POST_UNLIKED
    changes: Changes = {LIKED_BY_KEY: [None, viewer.user_id] if liked else [viewer.user_id, None]}
    recipients = await recipients_of(session, post.id)
    await record_post_event(session, kind, viewer.user_id, post, recipients, changes)


def _distinct(recipients: Sequence[Recipient]) -> list[Recipient]:
    if not recipients:
        raise BadInput("A post needs at least one recipient", field="recipients")
    if len(recipients) > MAX_RECIPIENTS:
        raise BadInput(f"At most {MAX_RECIPIENTS} recipients", field="recipients")
    for recipient in recipients:
        if (recipient.kind is RecipientKind.ALL) != (recipient.target_id is None):
            raise BadInput(
                "'id' is required for DEPARTMENT and USER recipients and not allowed for ALL",
                field="recipients",
            )
    return list(dict.fromkeys(recipients))


async def _require_targets(session: AsyncSession, recipients: Sequence[Recipient]) -> None:
    for kind, model in ((RecipientKind.DEPARTMENT, Department), (RecipientKind.USER, User)):
        wanted = {r.target_id for r in recipients if r.kind is kind}
        if not wanted:
            continue
        found = set((await session.execute(select(model.id).where(model.id.in_(wanted)))).scalars())
        missing = sorted(i for i in wanted - found if i is not None)
        if missing:
            raise not_found(model.__name__, missing[0], "recipients")
