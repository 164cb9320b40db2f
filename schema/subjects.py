"""What a notification or a feed event is about: a post, a comment, a task or a CRM record."""

from __future__ import annotations

from typing import Annotated

import strawberry

from models.crm import CrmEntity
from resolvers import comments
from resolvers.posts import queries as posts
from resolvers.tasks import queries as tasks
from schema.comments import Comment
from schema.context import Info
from schema.crm.companies import Company
from schema.crm.contacts import Contact
from schema.crm.deals import Deal
from schema.crm.leads import Lead
from schema.crm_items import load_crm_item
from schema.posts import Post
from schema.tasks import Task
from schema.users import User, load_user

Subject = Annotated[
    Post | Comment | Task | Lead | Contact | Company | Deal,
    strawberry.union(
        "Subject", description="What a notification or feed event is about; ask with fragments."
    ),
]
CRM_SUBJECT_TYPES = frozenset(entity.value for entity in CrmEntity)


async def load_subject(info: Info, subject_type: str, pk: int) -> Subject | None:
    """The subject if it still exists and the viewer may see it, else None (batched)."""
    if subject_type == "POST":
        post = await info.context.loader(posts.posts_by_id).load(pk)
        return Post.of(post) if post else None
    if subject_type == "COMMENT":
        comment = await info.context.loader(comments.comments_by_id).load(pk)
        return Comment.of(comment) if comment else None
    if subject_type == "TASK":
        task = await info.context.loader(tasks.tasks_by_id).load(pk)
        return Task.of(task) if task else None
    if subject_type in CRM_SUBJECT_TYPES:
        return await load_crm_item(info, CrmEntity(subject_type), pk)
    return None


@strawberry.type
class ActorAndSubject:
    """Who did it and what it is about: shared by feed events and notifications."""

    actor_pk: strawberry.Private[int | None]
    subject_type: strawberry.Private[str]
    subject_pk: strawberry.Private[int]

    @strawberry.field(description="Who did it; null for the system or a removed account.")
    async def actor(self, info: Info) -> User | None:
        return None if self.actor_pk is None else await load_user(info, self.actor_pk)

    @strawberry.field(description="Null once it is gone or no longer visible to the viewer.")
    async def subject(self, info: Info) -> Subject | None:
        return await load_subject(info, self.subject_type, self.subject_pk)
