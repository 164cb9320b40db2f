"""GraphQL for tasks: the Task and ChecklistItem types and the `tasks` connection."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from models import ChecklistItem as ChecklistItemRow
from models import Task as TaskRow
from models.crm import CrmEntity
from resolvers import comments, users
from resolvers.tasks import queries, rules
from schema.context import Info
from schema.relay import (
    Connection,
    Node,
    OrderDirection,
    decode_optional_id,
    node_fetcher,
    page_request,
)
from schema.users import User, load_user

if TYPE_CHECKING:
    from schema.comments import Comment
    from schema.crm_items import CrmItem

CommentRef = Annotated["Comment", strawberry.lazy("schema.comments")]
# Lazy both ways: the CRM types list their tasks.
CrmItemRef = Annotated["CrmItem", strawberry.lazy("schema.crm_items")]

# The resolvers' enums serve as the GraphQL enums, so there is one list of values.
strawberry.enum(rules.TaskStatus, description="Where a task is in its workflow.")
strawberry.enum(rules.TaskPriority)
strawberry.enum(queries.TaskOrderField)
strawberry.enum(rules.TaskAction, description="What can be done to a task; see `viewerActions`.")


@strawberry.enum(description="The viewer's part in a task, for filtering.")
class TaskRole(enum.Enum):
    RESPONSIBLE = "RESPONSIBLE"
    CREATOR = "CREATOR"
    ACCOMPLICE = "ACCOMPLICE"
    AUDITOR = "AUDITOR"


@strawberry.type
class ChecklistItem(Node):
    title: str
    done: bool
    position: int

    @classmethod
    def of(cls, row: ChecklistItemRow) -> ChecklistItem:
        return cls(pk=row.id, title=row.title, done=row.done, position=row.position)


@strawberry.type
class Task(Node):
    title: str
    description: str
    status: rules.TaskStatus
    priority: rules.TaskPriority
    deadline: datetime | None
    require_approval: bool
    created_at: datetime
    updated_at: datetime
    closed_at: datetime | None
    overdue: bool = strawberry.field(description="Past its deadline and not finished.")
    creator_pk: strawberry.Private[int]
    responsible_pk: strawberry.Private[int]
    parent_pk: strawberry.Private[int | None]

    @classmethod
    def of(cls, row: TaskRow) -> Task:
        return cls(
            pk=row.id,
            title=row.title,
            description=row.description,
            status=rules.TaskStatus(row.status),
            priority=rules.TaskPriority(row.priority),
            deadline=row.deadline,
            require_approval=row.require_approval,
            created_at=row.created_at,
            updated_at=row.updated_at,
            closed_at=row.closed_at,
            overdue=queries.is_overdue(row),
            creator_pk=row.creator_id,
            responsible_pk=row.responsible_id,
            parent_pk=row.parent_id,
        )

    @strawberry.field
    async def creator(self, info: Info) -> User | None:
        return await load_user(info, self.creator_pk)

    @strawberry.field
    async def responsible(self, info: Info) -> User | None:
        return await load_user(info, self.responsible_pk)

    @strawberry.field
    async def accomplices(self, info: Info) -> list[User]:
        return await self._members(info, rules.Part.ACCOMPLICE)

    @strawberry.field(description="Observers: they follow the task and are told of changes.")
    async def auditors(self, info: Info) -> list[User]:
        return await self._members(info, rules.Part.AUDITOR)

    async def _members(self, info: Info, part: rules.Part) -> list[User]:
        members = await info.context.loader(queries.members_by_task_id).load(self.pk)
        user_ids = [user_id for role, user_id in members if role == part.value]
        rows = await info.context.loader(users.users_by_id).load_many(user_ids)
        return [User.of(row) for row in rows if row is not None]

    @strawberry.field
    async def tags(self, info: Info) -> list[str]:
        return await info.context.loader(queries.tags_by_task_id).load(self.pk)

    @strawberry.field(
        description="What the viewer may do to the task now: the workflow moves its status "
        "allows and their part permits, and EDIT, DELETE, EDIT_CHECKLIST if permitted."
    )
    async def viewer_actions(self, info: Info) -> list[rules.TaskAction]:
        task = (self.pk, self.creator_pk, self.responsible_pk)
        parts = await info.context.loader(queries.viewer_parts_by_task).load(task)
        return rules.available_actions(parts, self.status)

    @strawberry.field(description="In the order set by reorderChecklist.")
    async def checklist(self, info: Info) -> list[ChecklistItem]:
        rows = await info.context.loader(queries.checklist_by_task_id).load(self.pk)
        return [ChecklistItem.of(row) for row in rows]

    @strawberry.field(description="Null when there is none or the viewer may not see it.")
    async def parent(self, info: Info) -> Task | None:
        if self.parent_pk is None:
            return None
        row = await info.context.loader(queries.tasks_by_id).load(self.parent_pk)
        return Task.of(row) if row else None

    @strawberry.field(description="The subtasks the viewer may see.")
    async def subtasks(self, info: Info) -> list[Task]:
        rows = await info.context.loader(queries.subtasks_by_parent_id).load(self.pk)
        return [Task.of(row) for row in rows]

    @strawberry.field(description="Linked CRM records the viewer may read.")
    async def crm_items(self, info: Info) -> list[CrmItemRef]:
        from schema.crm_items import load_crm_items_of_task

        return await load_crm_items_of_task(info, self.pk)

    @strawberry.field(description="Oldest first.")
    async def comments(self, info: Info) -> list[CommentRef]:
        from schema.comments import Comment

        rows = await info.context.loader(comments.comments_by_task_id).load(self.pk)
        return [Comment.of(row) for row in rows]


@node_fetcher("ChecklistItem")
async def fetch_checklist_item(info: Info, pk: int) -> ChecklistItem:
    return ChecklistItem.of(await queries.get_checklist_item(info.context, pk))


@node_fetcher("Task")
async def fetch_task(info: Info, pk: int) -> Task:
    return Task.of(await queries.get_task(info.context, pk))


@strawberry.input
class TaskFilter:
    role: list[TaskRole] | None = strawberry.field(
        default=None, description="Tasks where the viewer has any of these parts."
    )
    status: list[rules.TaskStatus] | None = None
    overdue: bool | None = None
    deadline_from: datetime | None = strawberry.field(default=None, description="Inclusive.")
    deadline_to: datetime | None = strawberry.field(default=None, description="Exclusive.")
    tag: str | None = None
    parent_id: strawberry.ID | None = None
    search: str | None = strawberry.field(default=None, description="Part of the title.")
    crm_item_id: strawberry.ID | None = strawberry.field(
        default=None, description="Tasks linked to this lead, contact, company or deal."
    )


@strawberry.input
class TaskOrder:
    field: queries.TaskOrderField
    direction: OrderDirection = OrderDirection.ASC


@strawberry.type
class TaskQueries:
    @strawberry.field(description="Tasks the viewer may see; newest first unless ordered.")
    async def tasks(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        filter: TaskFilter | None = None,
        order_by: list[TaskOrder] | None = None,
    ) -> Connection[Task]:
        filter = filter or TaskFilter()
        page = await queries.list_tasks(
            info.context,
            queries.TaskFilter(
                parts=frozenset(rules.Part(role.value) for role in filter.role or []),
                statuses=frozenset(filter.status or []),
                overdue=filter.overdue,
                deadline_from=filter.deadline_from,
                deadline_to=filter.deadline_to,
                tag=filter.tag,
                parent_id=decode_optional_id(filter.parent_id, "Task", "parentId"),
                search=filter.search,
                crm_item=_crm_item(filter.crm_item_id),
            ),
            [(order.field, order.direction is OrderDirection.DESC) for order in order_by or []]
            or [(queries.TaskOrderField.CREATED_AT, True)],
            page_request(first, after, last, before),
        )
        return Connection.of(page, Task.of)


def _crm_item(global_id: strawberry.ID | None) -> tuple[CrmEntity, int] | None:
    from schema.crm_items import decode_crm_item_id

    return None if global_id is None else decode_crm_item_id(global_id, "crmItemId")
