"""GraphQL for comments on posts and tasks."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from models import Comment as CommentRow
from models import OwnerKind
from resolvers import comments
from resolvers.posts import queries as posts
from resolvers.tasks import queries as tasks
from schema.attachments import attachments_field
from schema.context import Info
from schema.relay import Node, decode_id, node_fetcher
from schema.users import User, load_user

if TYPE_CHECKING:
    from schema.posts import Post
    from schema.tasks import Task

PostRef = Annotated["Post", strawberry.lazy("schema.posts")]
TaskRef = Annotated["Task", strawberry.lazy("schema.tasks")]


@strawberry.type(
    description="A comment on a post or on a task; visible to whoever sees the post or task."
)
class Comment(Node):
    body: str = strawberry.field(description="Plain text.")
    created_at: datetime = strawberry.field(description="When it was written.")
    updated_at: datetime = strawberry.field(
        description="When it was last edited; its creation time if never."
    )
    author_pk: strawberry.Private[int]
    post_pk: strawberry.Private[int | None]
    task_pk: strawberry.Private[int | None]

    attachments = attachments_field(OwnerKind.COMMENT)

    @classmethod
    def of(cls, row: CommentRow) -> Comment:
        return cls(
            pk=row.id,
            body=row.body,
            created_at=row.created_at,
            updated_at=row.updated_at,
            author_pk=row.author_id,
            post_pk=row.post_id,
            task_pk=row.task_id,
        )

    @strawberry.field(description="Who wrote it; null if the account is gone.")
    async def author(self, info: Info) -> User | None:
        return await load_user(info, self.author_pk)

    @strawberry.field(description="The post commented on (null for a task's comment).")
    async def post(self, info: Info) -> PostRef | None:
        from schema.posts import Post

        if self.post_pk is None:
            return None
        row = await info.context.loader(posts.posts_by_id).load(self.post_pk)
        return Post.of(row) if row else None

    @strawberry.field(description="The task commented on (null for a post's comment).")
    async def task(self, info: Info) -> TaskRef | None:
        from schema.tasks import Task

        if self.task_pk is None:
            return None
        row = await info.context.loader(tasks.tasks_by_id).load(self.task_pk)
        return Task.of(row) if row else None


@node_fetcher("Comment")
async def fetch_comment(info: Info, pk: int) -> Comment:
    return Comment.of(await comments.get_comment(info.context, pk))


CommentIdArgument = Annotated[strawberry.ID, strawberry.argument(description="The comment's ID.")]
CommentBody = Annotated[
    str, strawberry.argument(description=f"Plain text, up to {comments.MAX_BODY} characters.")
]


@strawberry.type
class CommentMutations:
    @strawberry.mutation(description="A comment on a post the viewer sees; its author is told.")
    async def add_comment(
        self,
        info: Info,
        post_id: Annotated[strawberry.ID, strawberry.argument(description="The post's ID.")],
        body: CommentBody,
    ) -> Comment:
        post_pk = decode_id(post_id, "Post", "postId")
        return Comment.of(await comments.add_post_comment(info.context, post_pk, body))

    @strawberry.mutation(description="A comment on a task the viewer sees; participants are told.")
    async def add_task_comment(
        self,
        info: Info,
        task_id: Annotated[strawberry.ID, strawberry.argument(description="The task's ID.")],
        body: CommentBody,
    ) -> Comment:
        task_pk = decode_id(task_id, "Task", "taskId")
        return Comment.of(await comments.add_task_comment(info.context, task_pk, body))

    @strawberry.mutation(description="By its author.")
    async def update_comment(self, info: Info, id: CommentIdArgument, body: CommentBody) -> Comment:
        comment_pk = decode_id(id, "Comment")
        return Comment.of(await comments.update_comment(info.context, comment_pk, body))

    @strawberry.mutation(description="By its author, or an admin. Answers the comment's ID.")
    async def delete_comment(self, info: Info, id: CommentIdArgument) -> strawberry.ID:
        await comments.delete_comment(info.context, decode_id(id, "Comment"))
        return id
