"""GraphQL for the live feed's posts: recipients, likes, comments."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

from models import OwnerKind
from models import Post as PostRow
from resolvers import comments, users
from resolvers.posts import access, commands, queries
from schema.attachments import attachments_field
from schema.comments import Comment
from schema.context import Info
from schema.departments import Department, load_department
from schema.enums import described_enum
from schema.patch import CHANGES, required
from schema.relay import (
    After,
    Before,
    Connection,
    First,
    Last,
    Node,
    decode_id,
    decode_optional_id,
    matching,
    node_fetcher,
    page_request,
)
from schema.users import User, load_user

described_enum(
    access.RecipientKind,
    "Whom a post is addressed to.",
    {
        access.RecipientKind.ALL: "Every user.",
        access.RecipientKind.DEPARTMENT: "The members of a department and of every department "
        "below it (not its parents or siblings).",
        access.RecipientKind.USER: "One user.",
    },
)


@strawberry.type(description="One addressee of a post.")
class Recipient:
    kind: access.RecipientKind = strawberry.field(
        description="Everyone, a department or a user; `department` or `user` names which."
    )
    target_pk: strawberry.Private[int | None]

    @strawberry.field(description="For DEPARTMENT recipients; null for the other kinds.")
    async def department(self, info: Info) -> Department | None:
        if self.kind is not access.RecipientKind.DEPARTMENT or self.target_pk is None:
            return None
        row = await load_department(info, self.target_pk)
        return Department.of(row) if row else None

    @strawberry.field(description="For USER recipients; null for the other kinds.")
    async def user(self, info: Info) -> User | None:
        if self.kind is not access.RecipientKind.USER or self.target_pk is None:
            return None
        return await load_user(info, self.target_pk)


@strawberry.type(
    description="A message of the live feed, addressed to everyone, departments or users. "
    "Visible to its author, its recipients and admins."
)
class Post(Node):
    title: str = strawberry.field(description="Optional: empty when none.")
    body: str = strawberry.field(description="Plain text.")
    important: bool = strawberry.field(description="Marked important by its author.")
    created_at: datetime = strawberry.field(description="When it was posted.")
    updated_at: datetime = strawberry.field(
        description="When it was last edited; its creation time if never."
    )
    author_pk: strawberry.Private[int]

    attachments = attachments_field(OwnerKind.POST)

    @classmethod
    def of(cls, row: PostRow) -> Post:
        return cls(
            pk=row.id,
            title=row.title,
            body=row.body,
            important=row.important,
            created_at=row.created_at,
            updated_at=row.updated_at,
            author_pk=row.author_id,
        )

    @strawberry.field(description="Who wrote it; null if the account is gone.")
    async def author(self, info: Info) -> User | None:
        return await load_user(info, self.author_pk)

    @strawberry.field(description="Whom it is addressed to.")
    async def recipients(self, info: Info) -> list[Recipient]:
        rows = await info.context.loader(queries.recipients_by_post_id).load(self.pk)
        return [Recipient(kind=row.kind, target_pk=row.target_id) for row in rows]

    @strawberry.field(description="How many users like it.")
    async def like_count(self, info: Info) -> int:
        return len(await info.context.loader(queries.likers_by_post_id).load(self.pk))

    @strawberry.field(description="Whether the viewer likes it.")
    async def liked_by_viewer(self, info: Info) -> bool:
        viewer = info.context.require_viewer()
        return viewer.user_id in await info.context.loader(queries.likers_by_post_id).load(self.pk)

    @strawberry.field(description="Earliest like first.")
    async def liked_by(self, info: Info) -> list[User]:
        likers = await info.context.loader(queries.likers_by_post_id).load(self.pk)
        rows = await info.context.loader(users.users_by_id).load_many(likers)
        return [User.of(row) for row in rows if row is not None]

    @strawberry.field(description="Oldest first.")
    async def comments(self, info: Info) -> list[Comment]:
        rows = await info.context.loader(comments.comments_by_post_id).load(self.pk)
        return [Comment.of(row) for row in rows]

    @strawberry.field(description="How many comments it has.")
    async def comment_count(self, info: Info) -> int:
        return len(await info.context.loader(comments.comments_by_post_id).load(self.pk))


@node_fetcher("Post")
async def fetch_post(info: Info, pk: int) -> Post:
    return Post.of(await queries.get_post(info.context, pk))


@strawberry.input(description="One addressee of a new post.")
class RecipientInput:
    kind: access.RecipientKind = strawberry.field(description="Everyone, a department or a user.")
    id: strawberry.ID | None = strawberry.field(
        default=None, description="The Department's or User's ID; none for ALL."
    )


@strawberry.input(description="A new post; the viewer is its author.")
class PostInput:
    body: str = strawberry.field(description=f"Plain text, up to {commands.MAX_BODY} characters.")
    recipients: list[RecipientInput] = strawberry.field(
        description=f"Whom it is addressed to: 1 to {commands.MAX_RECIPIENTS}."
    )
    title: str = strawberry.field(
        default="", description=f"Optional, up to {commands.MAX_TITLE} characters."
    )
    important: bool = strawberry.field(default=False, description="Mark it important.")


@strawberry.input(
    description="Changes to a post: fields left out stay as they are. Recipients cannot change."
)
class PostPatch:
    title: str | None = strawberry.field(default=strawberry.UNSET, description="A new title.")
    body: str | None = strawberry.field(default=strawberry.UNSET, description="A new body.")
    important: bool | None = strawberry.field(
        default=strawberry.UNSET, description="Mark or unmark it important."
    )


@strawberry.input(description="Conditions on posts; all given must hold.")
class PostFilter:
    author_id: strawberry.ID | None = strawberry.field(
        default=None, description="Posts written by this user."
    )
    important: bool | None = strawberry.field(
        default=None, description="True: important posts only; false: the others only."
    )
    search: str | None = strawberry.field(default=None, description="Part of title or body.")


def _recipient(input: RecipientInput) -> access.Recipient:
    if input.id is None:
        return access.Recipient(input.kind)
    type_name = "Department" if input.kind is access.RecipientKind.DEPARTMENT else "User"
    return access.Recipient(input.kind, decode_id(input.id, type_name, "recipients"))


@strawberry.type
class PostQueries:
    @strawberry.field(description="Posts the viewer wrote or was addressed by, newest first.")
    async def posts(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
        filter: Annotated[PostFilter | None, matching("posts")] = None,
    ) -> Connection[Post]:
        filter = filter or PostFilter()
        page = await queries.list_posts(
            info.context,
            queries.PostFilter(
                author_id=decode_optional_id(filter.author_id, "User", "authorId"),
                important=filter.important,
                search=filter.search,
            ),
            page_request(first, after, last, before),
        )
        return Connection.of(page, Post.of)


PostIdArgument = Annotated[strawberry.ID, strawberry.argument(description="The post's ID.")]


@strawberry.type
class PostMutations:
    @strawberry.mutation(description="Every recipient (but the author) is notified.")
    async def create_post(
        self, info: Info, input: Annotated[PostInput, strawberry.argument(description="The post.")]
    ) -> Post:
        new = commands.NewPost(
            body=input.body,
            recipients=[_recipient(recipient) for recipient in input.recipients],
            title=input.title,
            important=input.important,
        )
        return Post.of(await commands.create_post(info.context, new))

    @strawberry.mutation(description="By its author.")
    async def update_post(
        self,
        info: Info,
        id: PostIdArgument,
        input: Annotated[PostPatch, CHANGES],
    ) -> Post:
        changes = commands.PostChanges(
            title=required(input.title, "title"),
            body=required(input.body, "body"),
            important=required(input.important, "important"),
        )
        return Post.of(await commands.update_post(info.context, decode_id(id, "Post"), changes))

    @strawberry.mutation(
        description="By its author, or an admin; its comments go with it. Answers its ID."
    )
    async def delete_post(self, info: Info, id: PostIdArgument) -> strawberry.ID:
        await commands.delete_post(info.context, decode_id(id, "Post"))
        return id

    @strawberry.mutation(description="The viewer likes a post they see; liking twice counts once.")
    async def like_post(self, info: Info, post_id: PostIdArgument) -> Post:
        post_pk = decode_id(post_id, "Post", "postId")
        return Post.of(await commands.like_post(info.context, post_pk))

    @strawberry.mutation(description="Takes the viewer's like back; none to take is no error.")
    async def unlike_post(self, info: Info, post_id: PostIdArgument) -> Post:
        post_pk = decode_id(post_id, "Post", "postId")
        return Post.of(await commands.unlike_post(info.context, post_pk))
