"""GraphQL for tasks: the Task and ChecklistItem types and the `tasks` connection."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from models import ChecklistItem as ChecklistItemRow
from models import OwnerKind
from models import Task as TaskRow
from models.crm import CrmEntity
from resolvers import comments, users
from resolvers.tasks import queries, rules
from schema.attachments import attachments_field
from schema.context import Info
from schema.enums import described_enum
from schema.relay import (
    ORDER_BY,
    After,
    Before,
    Connection,
    First,
    Last,
    Node,
    OrderDirection,
    decode_optional_id,
    matching,
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

described_enum(
    rules.TaskStatus,
    "Where a task is in its workflow; the mutations named on each value move it.",
    {
        rules.TaskStatus.NEW: "Just created, not started.",
        rules.TaskStatus.PENDING: "Waiting to be worked on: returned or renewed.",
        rules.TaskStatus.IN_PROGRESS: "Being worked on (startTask).",
        rules.TaskStatus.SUPPOSEDLY_COMPLETED: "Done by the responsible, waiting for the "
        "creator's approval (approveTask or returnTask).",
        rules.TaskStatus.COMPLETED: "Finished (completeTask, approveTask).",
        rules.TaskStatus.DEFERRED: "Put off (deferTask).",
        rules.TaskStatus.DECLINED: "Refused by the responsible (declineTask).",
    },
)
described_enum(
    rules.TaskPriority,
    "How urgent a task is.",
    {
        rules.TaskPriority.LOW: "Can wait.",
        rules.TaskPriority.NORMAL: "The default.",
        rules.TaskPriority.HIGH: "Urgent.",
    },
)
described_enum(
    queries.TaskOrderField,
    "What `tasks` can be ordered by; ties are broken by creation order.",
    {
        queries.TaskOrderField.CREATED_AT: "When the task was created.",
        queries.TaskOrderField.DEADLINE: "The deadline; tasks without one sort as the latest.",
        queries.TaskOrderField.TITLE: "The title, alphabetically.",
    },
)
described_enum(
    rules.TaskAction,
    "What can be done to a task; see `viewerActions`.",
    {
        rules.TaskAction.START: "Start work on it (startTask).",
        rules.TaskAction.DEFER: "Put it off (deferTask).",
        rules.TaskAction.COMPLETE: "Finish it, or submit it for approval (completeTask).",
        rules.TaskAction.APPROVE: "Accept a submitted completion (approveTask).",
        rules.TaskAction.RETURN: "Send a submitted completion back to work (returnTask).",
        rules.TaskAction.DECLINE: "Refuse it, as its responsible (declineTask).",
        rules.TaskAction.RENEW: "Reopen a finished, deferred or declined task (renewTask).",
        rules.TaskAction.EDIT: "Change its fields and participants (updateTask).",
        rules.TaskAction.DELETE: "Delete it (deleteTask).",
        rules.TaskAction.EDIT_CHECKLIST: "Add, tick, reorder and remove checklist items.",
    },
)


class TaskRole(enum.Enum):
    RESPONSIBLE = "RESPONSIBLE"
    CREATOR = "CREATOR"
    ACCOMPLICE = "ACCOMPLICE"
    AUDITOR = "AUDITOR"


described_enum(
    TaskRole,
    "The viewer's part in a task, for filtering.",
    {
        TaskRole.RESPONSIBLE: "The one who does the task.",
        TaskRole.CREATOR: "The one who set it.",
        TaskRole.ACCOMPLICE: "Helps the responsible.",
        TaskRole.AUDITOR: "Follows the task.",
    },
)


@strawberry.type(description="One line of a task's checklist.")
class ChecklistItem(Node):
    title: str = strawberry.field(description="What is to be done.")
    done: bool = strawberry.field(description="Ticked (toggleChecklistItem).")
    position: int = strawberry.field(
        description="Its place in the checklist, from 0 (reorderChecklist)."
    )

    @classmethod
    def of(cls, row: ChecklistItemRow) -> ChecklistItem:
        return cls(pk=row.id, title=row.title, done=row.done, position=row.position)


@strawberry.type(
    description="A piece of work: a creator sets it, a responsible does it, accomplices "
    "help and auditors follow. Visible to its participants, the heads of their "
    "departments and admins."
)
class Task(Node):
    title: str = strawberry.field(description="A short summary.")
    description: str = strawberry.field(description="Plain text; empty when none.")
    status: rules.TaskStatus = strawberry.field(description="Where it is in its workflow.")
    priority: rules.TaskPriority = strawberry.field(description="How urgent it is.")
    deadline: datetime | None = strawberry.field(description="When it is due; null for never.")
    require_approval: bool = strawberry.field(
        description="The responsible's completion waits for the creator's approval."
    )
    created_at: datetime = strawberry.field(description="When it was created.")
    updated_at: datetime = strawberry.field(description="When it last changed.")
    closed_at: datetime | None = strawberry.field(
        description="When it was completed; null unless COMPLETED."
    )
    overdue: bool = strawberry.field(
        description="Past its deadline and not finished (neither SUPPOSEDLY_COMPLETED, "
        "COMPLETED nor DECLINED)."
    )
    creator_pk: strawberry.Private[int]
    responsible_pk: strawberry.Private[int]
    parent_pk: strawberry.Private[int | None]

    attachments = attachments_field(OwnerKind.TASK)

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

    @strawberry.field(description="Who set the task; null if the account is gone.")
    async def creator(self, info: Info) -> User | None:
        return await load_user(info, self.creator_pk)

    @strawberry.field(description="Who does the task; null if the account is gone.")
    async def responsible(self, info: Info) -> User | None:
        return await load_user(info, self.responsible_pk)

    @strawberry.field(description="Users who help the responsible.")
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

    @strawberry.field(description="Lower-case labels, alphabetically.")
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


@strawberry.input(description="Conditions on tasks; all given must hold.")
class TaskFilter:
    role: list[TaskRole] | None = strawberry.field(
        default=None, description="Tasks where the viewer has any of these parts."
    )
    status: list[rules.TaskStatus] | None = strawberry.field(
        default=None, description="Tasks in any of these statuses."
    )
    overdue: bool | None = strawberry.field(
        default=None, description="True: overdue tasks only; false: the others only."
    )
    deadline_from: datetime | None = strawberry.field(
        default=None, description="Deadline at or after this time."
    )
    deadline_to: datetime | None = strawberry.field(
        default=None, description="Deadline before this time (exclusive)."
    )
    tag: str | None = strawberry.field(default=None, description="Tasks with this tag.")
    parent_id: strawberry.ID | None = strawberry.field(
        default=None, description="The subtasks of this task."
    )
    search: str | None = strawberry.field(default=None, description="Part of the title.")
    crm_item_id: strawberry.ID | None = strawberry.field(
        default=None, description="Tasks linked to this lead, contact, company or deal."
    )


@strawberry.input(description="One key of the order of `tasks`.")
class TaskOrder:
    field: queries.TaskOrderField = strawberry.field(description="What to sort by.")
    direction: OrderDirection = strawberry.field(
        default=OrderDirection.ASC, description="Ascending unless given."
    )


@strawberry.type
class TaskQueries:
    @strawberry.field(description="Tasks the viewer may see; newest first unless ordered.")
    async def tasks(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
        filter: Annotated[TaskFilter | None, matching("tasks")] = None,
        order_by: Annotated[list[TaskOrder] | None, ORDER_BY] = None,
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
