"""Comments on posts and tasks: visible with their post or task, changed by their author."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from auth.viewer import Viewer
from models import Comment, OwnerKind, Post, Task, utcnow
from resolvers.batches import many_per_key, one_per_key
from resolvers.context import RequestContext
from resolvers.errors import Forbidden, not_found
from resolvers.files.forget import discard_files, forget_attachments
from resolvers.notifications import (
    NotificationKind,
    actor_name,
    forget_notifications,
    notify,
)
from resolvers.posts.access import (
    load_visible_post,
    post_envelope,
    recipients_of,
    visible_post_ids,
)
from resolvers.rows import one_or_not_found
from resolvers.tasks.access import (
    load_visible_task,
    members_of,
    participant_ids,
    task_envelope,
    visible_task_ids,
)
from resolvers.validation import text
from subscriptions.events import Changes, EventKind, record_event

MAX_BODY = 10_000
# How events and notifications name a comment.
COMMENT = "COMMENT"


def visible_comment(viewer: Viewer) -> ColumnElement[bool]:
    return or_(
        Comment.post_id.in_(visible_post_ids(viewer)),
        Comment.task_id.in_(visible_task_ids(viewer)),
    )


async def add_post_comment(ctx: RequestContext, post_id: int, body: str) -> Comment:
    viewer = ctx.require_viewer()
    body = text(body, "body", max_length=MAX_BODY)
    async with ctx.db() as session:
        post = await load_visible_post(session, viewer, post_id, "postId")
        comment = Comment(post_id=post.id, author_id=viewer.user_id, body=body)
        await _add(
            session, viewer, comment, [post.author_id], NotificationKind.POST_COMMENTED, "your post"
        )
        await session.commit()
    ctx.forget_loaded()
    return comment


async def add_task_comment(ctx: RequestContext, task_id: int, body: str) -> Comment:
    """Anyone who sees a task may comment on it; its participants are told."""
    viewer = ctx.require_viewer()
    body = text(body, "body", max_length=MAX_BODY)
    async with ctx.db() as session:
        task = await load_visible_task(session, viewer, task_id, "taskId")
        comment = Comment(task_id=task.id, author_id=viewer.user_id, body=body)
        participants = participant_ids(task, await members_of(session, task.id))
        await _add(
            session, viewer, comment, participants, NotificationKind.TASK_COMMENTED,
            f"“{task.title}”",
        )  # fmt: skip
        await session.commit()
    ctx.forget_loaded()
    return comment


async def _add(
    session: AsyncSession,
    viewer: Viewer,
    comment: Comment,
    told: Sequence[int],
    kind: NotificationKind,
    commented_on: str,
) -> None:
    """Adds the comment with its event, and tells ``told`` (never the author)."""
    session.add(comment)
    body = comment.body
    await _record(session, viewer, comment, EventKind.COMMENT_ADDED, {"body": [None, body]})
    author = await actor_name(session, viewer.user_id)
    message = f"{author} commented on {commented_on}: {body[:80]}"
    await notify(session, told, kind, (COMMENT, comment.id), viewer.user_id, message)


async def update_comment(ctx: RequestContext, comment_id: int, body: str) -> Comment:
    viewer = ctx.require_viewer()
    body = text(body, "body", max_length=MAX_BODY)
    async with ctx.db() as session:
        comment = await _own_comment(session, viewer, comment_id, allow_admin=False)
        if body != comment.body:
            changes: Changes = {"body": [comment.body, body]}
            comment.body = body
            comment.updated_at = utcnow()
            await _record(session, viewer, comment, EventKind.COMMENT_UPDATED, changes)
        await session.commit()
    ctx.forget_loaded()
    return comment


async def forget_comments_of(
    session: AsyncSession, *, post_id: int | None = None, task_id: int | None = None
) -> None:
    """Before a post or task is deleted (its comments go by foreign key): what pointed at
    its comments without one goes too."""
    owner = Comment.post_id == post_id if post_id is not None else Comment.task_id == task_id
    ids = list(await session.scalars(select(Comment.id).where(owner)))
    await forget_notifications(session, COMMENT, ids)
    await forget_attachments(session, OwnerKind.COMMENT, ids)


async def delete_comment(ctx: RequestContext, comment_id: int) -> int:
    """By its author; admins may remove any comment they see (moderation)."""
    viewer = ctx.require_viewer()
    async with ctx.db() as session:
        comment = await _own_comment(session, viewer, comment_id, allow_admin=True)
        await session.delete(comment)
        await forget_notifications(session, COMMENT, [comment.id])
        await forget_attachments(session, OwnerKind.COMMENT, [comment.id])
        await _record(
            session, viewer, comment, EventKind.COMMENT_DELETED, {"body": [comment.body, None]}
        )
        await session.commit()
        await discard_files(ctx.services.files.store, session)
    ctx.forget_loaded()
    return comment_id


async def comments_by_id(ctx: RequestContext, ids: list[int]) -> Sequence[Comment | None]:
    viewer = ctx.require_viewer()
    statement = select(Comment).where(Comment.id.in_(ids), visible_comment(viewer))
    async with ctx.db() as session:
        rows = (await session.execute(statement)).scalars().all()
    return one_per_key(rows, lambda comment: comment.id, ids)


async def get_comment(ctx: RequestContext, comment_id: int) -> Comment:
    ctx.require_viewer()
    comment = await ctx.loader(comments_by_id).load(comment_id)
    if comment is None:
        raise not_found("Comment", comment_id)
    return comment


async def comments_by_post_id(ctx: RequestContext, post_ids: list[int]) -> Sequence[list[Comment]]:
    """Oldest first. Only called for posts already loaded as visible."""
    statement = select(Comment).where(Comment.post_id.in_(post_ids)).order_by(Comment.id)
    async with ctx.db() as session:
        rows = (await session.execute(statement)).scalars().all()
    return many_per_key(((comment.post_id, comment) for comment in rows), post_ids)


async def comments_by_task_id(ctx: RequestContext, task_ids: list[int]) -> Sequence[list[Comment]]:
    """Oldest first. Only called for tasks already loaded as visible."""
    statement = select(Comment).where(Comment.task_id.in_(task_ids)).order_by(Comment.id)
    async with ctx.db() as session:
        rows = (await session.execute(statement)).scalars().all()
    return many_per_key(((comment.task_id, comment) for comment in rows), task_ids)


async def _own_comment(
    session: AsyncSession, viewer: Viewer, comment_id: int, *, allow_admin: bool
) -> Comment:
    visible = select(Comment).where(Comment.id == comment_id, visible_comment(viewer))
    comment = await one_or_not_found(session, visible, "Comment", comment_id)
    if comment.author_id != viewer.user_id and not (allow_admin and viewer.is_admin):
        raise Forbidden("Only the comment's author may change it")
    return comment


async def _record(
    session: AsyncSession, viewer: Viewer, comment: Comment, kind: EventKind, changes: Changes
) -> None:
    """The event of a comment whose post or task the caller has already found visible."""
    await session.flush()  # gives a new comment its id
    # session.get answers from the identity map: the caller loaded the post or task already.
    if comment.post_id is not None:
        post = await session.get(Post, comment.post_id)
        assert post is not None
        scope = ("POST", post.id)
        envelope = post_envelope(post, await recipients_of(session, post.id))
    else:
        task = await session.get(Task, comment.task_id)
        assert task is not None
        scope = ("TASK", task.id)
        envelope = await task_envelope(session, task, await members_of(session, task.id))
    await record_event(
        session,
        kind,
        actor_id=viewer.user_id,
        subject=(COMMENT, comment.id),
        scope=scope,
        changes=changes,
        envelope=envelope,
    )
