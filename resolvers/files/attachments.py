"""Attachments: files bound to a lead, contact, company, deal, task, feed post or comment.

Who may do what, by the owner's own rules:
- list and download: whoever may READ the owner (the CRM READ rule; a task's visibility; a
  post's recipients; a comment's post or task). Anyone else meets NOT_FOUND, as for the
  owner itself;
- attach: whoever may change the owner: UPDATE on a CRM record (its status as it is); on a
  task, a part that may edit its checklist (creator, responsible, accomplice, their heads,
  admins: auditors only watch); on a post or comment, its author (or an admin);
- delete: the uploader while they may still read the owner, or whoever may attach to it.

The bytes are streamed into the store (``resolvers/files/storage.py``) under a random key
between two short transactions: rights are checked before the upload and again, with the
owner locked, when the row is written; a refused or failed write removes the stored file.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime
from typing import Any, Protocol

import anyio
from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from auth.tokens import authenticate_id
from models import Attachment, Comment, OwnerKind, Post, Task
from models.crm import CrmEntity
from models.crm.entities import declaration_of
from resolvers.access.loading import policy_for
from resolvers.comments import visible_comment
from resolvers.context import RequestContext, Services
from resolvers.crm.guards import guard_update_allowed
from resolvers.crm.visibility import visible
from resolvers.errors import BadInput, Forbidden, not_found
from resolvers.files.forget import discard_files, note_discarded
from resolvers.files.storage import CHUNK_BYTES, MissingFile, new_key
from resolvers.locking import lock_for_write
from resolvers.posts.access import visible_post
from resolvers.signing import BadLink, sign_link, verify_link
from resolvers.tasks.access import members_of, parts_in, visible_task
from resolvers.tasks.rules import TaskAction, may

PURPOSE = "download"
MAX_NAME = 255
# The GraphQL type name of each kind of owner (global IDs name it).
TYPE_NAMES = {
    OwnerKind.LEAD: "Lead",
    OwnerKind.CONTACT: "Contact",
    OwnerKind.COMPANY: "Company",
    OwnerKind.DEAL: "Deal",
    OwnerKind.TASK: "Task",
    OwnerKind.POST: "Post",
    OwnerKind.COMMENT: "Comment",
}
KINDS = {name: kind for kind, name in TYPE_NAMES.items()}
CRM = {kind: CrmEntity(kind.value) for kind in OwnerKind if kind.value in CrmEntity.__members__}
_MEDIA_TYPE = re.compile(
    r"[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,63}/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}"
)


class UploadedFile(Protocol):
    """What a multipart upload hands a resolver (Starlette's UploadFile)."""

    filename: str | None
    content_type: str | None

    async def read(self, size: int = -1) -> bytes: ...


def owner_kind(type_name: str) -> OwnerKind:
    kind = KINDS.get(type_name)
    if kind is None:
        kinds = ", ".join(KINDS)
        raise BadInput(f"Files attach to a {kinds}; not to a {type_name}", field="to")
    return kind


# Rights


async def readable_owner(
    ctx: RequestContext, session: AsyncSession, kind: OwnerKind, owner_id: int
) -> Any | None:
    """The owner row when the viewer may read it, else None."""
    viewer = ctx.require_viewer()
    entity = CRM.get(kind)
    if entity is not None:
        model = declaration_of(entity).model
        return await session.scalar(visible(ctx, entity).where(model.id == owner_id))
    if kind is OwnerKind.TASK:
        return await session.scalar(select(Task).where(Task.id == owner_id, visible_task(viewer)))
    if kind is OwnerKind.POST:
        return await session.scalar(select(Post).where(Post.id == owner_id, visible_post(viewer)))
    return await session.scalar(
        select(Comment).where(Comment.id == owner_id, visible_comment(viewer))
    )


async def require_changeable(
    ctx: RequestContext, session: AsyncSession, kind: OwnerKind, owner_id: int, field: str
) -> None:
    """NOT_FOUND naming ``field`` unless the viewer may read the owner; FORBIDDEN unless
    they may change it (the rules in the module's docstring)."""
    viewer = ctx.require_viewer()
    owner = await readable_owner(ctx, session, kind, owner_id)
    if owner is None:
        raise not_found(TYPE_NAMES[kind], owner_id, field)
    if kind in CRM:
        await guard_update_allowed(ctx, session, owner)
    elif kind is OwnerKind.TASK:
        parts = await parts_in(session, viewer, owner, await members_of(session, owner.id))
        if not may(parts, TaskAction.EDIT_CHECKLIST):
            raise Forbidden("Only those who work on a task may attach files to it", field=field)
    elif owner.author_id != viewer.user_id and not viewer.is_admin:
        what = TYPE_NAMES[kind].lower()
        raise Forbidden(f"Only the {what}'s author may attach files to it", field=field)


async def _lock_owner(session: AsyncSession, kind: OwnerKind, owner_id: int) -> None:
    entity = CRM.get(kind)
    if entity is not None:
        await lock_for_write(session, declaration_of(entity).model.id, owner_id)
    elif kind is OwnerKind.TASK:
        await lock_for_write(session, Task.id, owner_id)
    elif kind is OwnerKind.POST:
        await lock_for_write(session, Post.id, owner_id)
    else:
        await lock_for_write(session, Comment.id, owner_id)


# Commands


async def attach_file(
    ctx: RequestContext, type_name: str, owner_id: int, upload: object
) -> Attachment:
    viewer = ctx.require_viewer()
    kind = owner_kind(type_name)
    if not callable(getattr(upload, "read", None)):
        raise BadInput("Send the file as a multipart upload (docs/data.md)", field="file")
    file: UploadedFile = upload  # type: ignore[assignment]
    async with ctx.db() as session:
        await require_changeable(ctx, session, kind, owner_id, "to")
        # The upload may take a while: hold no connection meanwhile.
        await session.rollback()
    first = await file.read(CHUNK_BYTES)
    if not first:
        raise BadInput("The file is empty", field="file")
    digest, size = hashlib.sha256(), 0

    async def chunks() -> AsyncIterator[bytes]:
        nonlocal size
        chunk = first
        while chunk:
            digest.update(chunk)
            size += len(chunk)
            yield chunk
            chunk = await file.read(CHUNK_BYTES)

    store = ctx.services.files.store
    key = new_key()
    await store.put(key, chunks())
    try:
        async with ctx.db() as session:
            await _lock_owner(session, kind, owner_id)
            await require_changeable(ctx, session, kind, owner_id, "to")
            row = Attachment(
                owner_kind=kind.value,
                owner_id=owner_id,
                file_name=safe_name(file.filename),
                content_type=safe_media_type(file.content_type),
                size=size,
                sha256=digest.hexdigest(),
                storage_key=key,
                uploaded_by_id=viewer.user_id,
            )
            session.add(row)
            await session.commit()
    except BaseException:
        with anyio.CancelScope(shield=True):
            await store.delete(key)
        raise
    ctx.forget_loaded()
    return row


async def delete_attachment(ctx: RequestContext, attachment_id: int) -> int:
    viewer = ctx.require_viewer()
    async with ctx.db() as session:
        row = await session.get(Attachment, attachment_id)
        owner = None
        if row is not None:
            owner = await readable_owner(ctx, session, OwnerKind(row.owner_kind), row.owner_id)
        if row is None or owner is None:
            raise not_found("Attachment", attachment_id)
        if row.uploaded_by_id != viewer.user_id:
            await require_changeable(ctx, session, OwnerKind(row.owner_kind), row.owner_id, "id")
        await session.delete(row)
        note_discarded(session, row.storage_key)
        await session.commit()
        await discard_files(ctx.services.files.store, session)
    ctx.forget_loaded()
    return attachment_id


# Reading


async def attachments_by_owner(
    ctx: RequestContext, keys: list[tuple[OwnerKind, int]]
) -> Sequence[list[Attachment]]:
    """The attachments of owners the viewer has already read (a type's field), oldest
    first: one statement for any number of owners of any kinds."""
    ids: dict[OwnerKind, list[int]] = {}
    for kind, owner_id in keys:
        ids.setdefault(kind, []).append(owner_id)
    statement = (
        select(Attachment)
        .where(
            or_(
                *(
                    and_(Attachment.owner_kind == kind.value, Attachment.owner_id.in_(owners))
                    for kind, owners in ids.items()
                )
            )
        )
        .order_by(Attachment.id)
    )
    async with ctx.db() as session:
        rows = list(await session.scalars(statement))
    found: dict[tuple[OwnerKind, int], list[Attachment]] = {key: [] for key in keys}
    for row in rows:
        found[(OwnerKind(row.owner_kind), row.owner_id)].append(row)
    return [found[key] for key in keys]


async def get_attachment(ctx: RequestContext, attachment_id: int) -> Attachment:
    async with ctx.db() as session:
        row = await session.get(Attachment, attachment_id)
        if row is not None and await readable_owner(
            ctx, session, OwnerKind(row.owner_kind), row.owner_id
        ):
            return row
    raise not_found("Attachment", attachment_id)


def download_url(ctx: RequestContext, attachment_id: int) -> str:
    """A link to the file for the viewer, for a short while, within their session."""
    viewer = ctx.require_viewer()
    config = ctx.services.files
    expires = datetime.now(UTC).replace(microsecond=0) + config.link_ttl
    data = {"a": attachment_id, "u": viewer.user_id, "t": viewer.token_id}
    token = sign_link(PURPOSE, data, expires, ctx.services.auth.token_secret)
    return f"{ctx.services.exports.public_base_url.rstrip('/')}/files/{token}"


async def open_download(services: Services, token: str) -> tuple[Attachment, AsyncIterator[bytes]]:
    """The attachment a link names and its bytes, for the link's user as they stand now:
    BadLink when the link is altered or expired or its session has ended, FORBIDDEN when
    they may no longer read the owner, NOT_FOUND when the file is gone."""
    data = verify_link(PURPOSE, token, services.auth.token_secret, datetime.now(UTC))
    ctx = RequestContext(services=services, viewer=None)
    try:
        async with ctx.db() as session:
            viewer = await authenticate_id(session, int(data["t"]), int(data["u"]))
        if viewer is None:
            raise BadLink("The session this link was made in has ended: log in and ask again")
        ctx.viewer = viewer
        ctx.policy = await policy_for(services, viewer)
        async with ctx.db() as session:
            row = await session.get(Attachment, int(data["a"]))
            if row is None:
                raise not_found("Attachment", int(data["a"]))
            kind = OwnerKind(row.owner_kind)
            if await readable_owner(ctx, session, kind, row.owner_id) is None:
                raise Forbidden("You may no longer read what this file is attached to")
    finally:
        await ctx.close()
    chunks = services.files.store.open(row.storage_key)
    try:
        first = await anext(chunks)
    except (MissingFile, StopAsyncIteration) as error:
        raise not_found("Attachment", row.id) from error
    return row, _prepended(first, chunks)


async def _prepended(first: bytes, rest: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    yield first
    async for chunk in rest:
        yield chunk


# Names


def safe_name(name: str | None) -> str:
    """A file name to show and to offer on download: the last path segment, NFC, without
    control characters, at most 255 characters (the extension kept); "file" when nothing
    is left."""
    base = re.split(r"[/\\]", name or "")[-1]
    base = unicodedata.normalize("NFC", base)
    base = "".join(c for c in base if unicodedata.category(c)[0] != "C").strip().strip(".")
    if len(base) > MAX_NAME:
        _stem, dot, extension = base.rpartition(".")
        keep = extension if dot and len(extension) <= 16 else ""
        base = base[: MAX_NAME - len(keep) - 1] + "." + keep if keep else base[:MAX_NAME]
    return base or "file"


def safe_media_type(value: str | None) -> str:
    """The upload's declared type/subtype (parameters dropped), or application/octet-stream."""
    media = (value or "").split(";", 1)[0].strip().lower()
    return media if _MEDIA_TYPE.fullmatch(media) else "application/octet-stream"
