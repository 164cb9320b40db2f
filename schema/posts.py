"""GraphQL for the live feed's posts: recipients, likes, comments."""

from __future__ import annotations

from datetime import datetime

import strawberry

from models import Post as PostRow
from resolvers import comments, users
from resolvers.posts import access, commands, queries
from schema.comments import Comment
from schema.context import Info
from schema.departments import Department, load_department
from schema.patch import required
from schema.relay import Connection, Node, decode_id, decode_optional_id, node_fetcher, page_request
from schema.users import User, load_user

strawberry.enum(
    access.RecipientKind, description="Everyone, a department (with its subtree), a user."
)


@strawberry.type
class Recipient:
    kind: access.RecipientKind
    target_pk: strawberry.Private[int | None]

    @strawberry.field(description="For DEPARTMENT recipients.")
    async def department(self, info: Info) -> Department | None:
        if self.kind is not access.RecipientKind.DEPARTMENT or self.target_pk is None:
            return None
        row = await load_department(info, self.target_pk)
        return Department.of(row) if row else None

    @strawberry.field(description="For USER recipients.")
    async def user(self, info: Info) -> User | None:
        if self.kind is not access.RecipientKind.USER or self.target_pk is None:
            return None
        return await load_user(info, self.target_pk)


@strawberry.type
class Post(Node):
    title: str
    body: str
    important: bool
    created_at: datetime
    updated_at: datetime
    author_pk: strawberry.Private[int]

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

    @strawberry.field
    async def author(self, info: Info) -> User | None:
        return await load_user(info, self.author_pk)

    @strawberry.field
    async def recipients(self, info: Info) -> list[Recipient]:
        rows = await info.context.loader(queries.recipients_by_post_id).load(self.pk)
        return [Recipient(kind=row.kind, target_pk=row.target_id) for row in rows]

    @strawberry.field
    async def like_count(self, info: Info) -> int:
        return len(await info.context.loader(queries.likers_by_post_id).load(self.pk))

    @strawberry.field
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

    @strawberry.field
    async def comment_count(self, info: Info) -> int:
        return len(await info.context.loader(comments.comments_by_post_id).load(self.pk))


@node_fetcher("Post")
async def fetch_post(info: Info, pk: int) -> Post:
    return Post.of(await queries.get_post(info.context, pk))


@strawberry.input
class RecipientInput:
    kind: access.RecipientKind
    id: strawberry.ID | None = strawberry.field(
        default=None, description="The Department's or User's ID; none for ALL."
    )


@strawberry.input
class PostInput:
    body: str
    recipients: list[RecipientInput]
    title: str = ""
    important: bool = False


@strawberry.input
class PostPatch:
    title: str | None = strawberry.UNSET
    body: str | None = strawberry.UNSET
    important: bool | None = strawberry.UNSET


@strawberry.input
class PostFilter:
    author_id: strawberry.ID | None = None
    important: bool | None = None
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
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        filter: PostFilter | None = None,
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


@strawberry.type
class PostMutations:
    @strawberry.mutation(description="Every recipient (but the author) is notified.")
    async def create_post(self, info: Info, input: PostInput) -> Post:
        new = commands.NewPost(
            body=input.body,
            recipients=[_recipient(recipient) for recipient in input.recipients],
            title=input.title,
            important=input.important,
        )
        return Post.of(await commands.create_post(info.context, new))

    @strawberry.mutation(description="By its author.")
    async def update_post(self, info: Info, id: strawberry.ID, input: PostPatch) -> Post:
        changes = commands.PostChanges(
            title=required(input.title, "title"),
            body=required(input.body, "body"),
            important=required(input.important, "important"),
        )
        return Post.of(await commands.update_post(info.context, decode_id(id, "Post"), changes))

    @strawberry.mutation(description="By its author, or an admin.")
    async def delete_post(self, info: Info, id: strawberry.ID) -> strawberry.ID:
        await commands.delete_post(info.context, decode_id(id, "Post"))
        return id

    @strawberry.mutation(description="Liking twice counts once.")
    async def like_post(self, info: Info, post_id: strawberry.ID) -> Post:
        post_pk = decode_id(post_id, "Post", "postId")
        return Post.of(await commands.like_post(info.context, post_pk))

    @strawberry.mutation
    async def unlike_post(self, info: Info, post_id: strawberry.ID) -> Post:
        post_pk = decode_id(post_id, "Post", "postId")
        return Post.of(await commands.unlike_post(info.context, post_pk))
