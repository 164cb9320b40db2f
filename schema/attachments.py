"""GraphQL for attachments: the ``Attachment`` type, the ``attachments`` field of leads,
contacts, companies, deals, tasks, posts and comments, ``attachFile`` and
``deleteAttachment`` (rules: ``resolvers/files/attachments.py``; downloads:
``crmhub/files.py``)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import strawberry
from strawberry.file_uploads import Upload

from models import Attachment as AttachmentRow
from models import OwnerKind
from resolvers.files import attachments
from schema.context import Info
from schema.relay import Node, decode_any_id, decode_id, node_fetcher
from schema.users import User, load_user


@strawberry.type(
    description="A file attached to a lead, contact, company, deal, task, post or comment; "
    "seen by whoever may read what it is attached to."
)
class Attachment(Node):
    file_name: str = strawberry.field(
        description="The uploaded file's name, made safe: its last path segment, without "
        "control characters, at most 255 characters."
    )
    content_type: str = strawberry.field(
        description="The media type the uploader's client declared (application/octet-stream "
        "when it declared none or no valid one)."
    )
    size: int = strawberry.field(description="In bytes.")
    sha256: str = strawberry.field(description="The SHA-256 of the bytes, in hex.")
    created_at: datetime = strawberry.field(description="When it was uploaded.")
    uploaded_by_pk: strawberry.Private[int]

    @classmethod
    def of(cls, row: AttachmentRow) -> Attachment:
        return cls(
            pk=row.id,
            file_name=row.file_name,
            content_type=row.content_type,
            size=row.size,
            sha256=row.sha256,
            created_at=row.created_at,
            uploaded_by_pk=row.uploaded_by_id,
        )

    @strawberry.field(description="Who uploaded it.")
    async def uploaded_by(self, info: Info) -> User | None:
        return await load_user(info, self.uploaded_by_pk)

    @strawberry.field(
        description="GET it (no Authorization header needed) to download the file. It works "
        "for a few minutes, acts as you with your rights when it is opened, and ends when you "
        "log out."
    )
    def download_url(self, info: Info) -> str:
        return attachments.download_url(info.context, self.pk)


@node_fetcher("Attachment")
async def fetch_attachment(info: Info, pk: int) -> Attachment:
    return Attachment.of(await attachments.get_attachment(info.context, pk))


def attachments_field(kind: OwnerKind) -> Any:
    """The ``attachments`` field of the type of ``kind``: one batched statement per request
    for every object of every type that asks."""

    async def resolve(root: Node, info: Info) -> list[Attachment]:
        loader = info.context.loader(attachments.attachments_by_owner)
        return [Attachment.of(row) for row in await loader.load((kind, root.pk))]

    return strawberry.field(resolver=resolve, description="The files attached to it, oldest first.")


@strawberry.type
class AttachmentMutations:
    @strawberry.mutation(
        description="Attaches an uploaded file (a multipart request, docs/data.md) to a lead, "
        "contact, company, deal, task, post or comment. Takes the right to change it: UPDATE "
        "on a CRM record; a part in a task other than auditor; authorship of a post or "
        "comment. An empty file is BAD_USER_INPUT; one past the upload limit is refused "
        "with 413 before it runs."
    )
    async def attach_file(
        self,
        info: Info,
        to: Annotated[
            strawberry.ID, strawberry.argument(description="What to attach it to: its `id`.")
        ],
        file: Annotated[
            Upload, strawberry.argument(description="The file: a part of the multipart request.")
        ],
    ) -> Attachment:
        type_name, pk = decode_any_id(to, "to")
        row = await attachments.attach_file(info.context, type_name, pk, file)
        return Attachment.of(row)

    @strawberry.mutation(
        description="Deletes an attachment and its file: by its uploader, or by whoever may "
        "attach files to what it is attached to. Answers its ID."
    )
    async def delete_attachment(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="The attachment's `id`.")],
    ) -> strawberry.ID:
        await attachments.delete_attachment(info.context, decode_id(id, "Attachment"))
        return id
