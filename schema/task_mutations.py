"""GraphQL mutations on tasks: create, edit, delete, the workflow verbs, the checklist."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, TypeVar

import strawberry

from resolvers.errors import BadInput
from resolvers.patch import MISSING
from resolvers.tasks import checklist, commands, rules
from resolvers.tasks.commands import (
    CRM_ITEMS_FIELD,
    MAX_DESCRIPTION,
    MAX_TAG,
    MAX_TAGS,
    MAX_TITLE,
)
from schema.context import Info
from schema.crm_items import decode_crm_item_ids
from schema.patch import CHANGES, id_or_null, nullable, required
from schema.relay import decode_id, decode_optional_id
from schema.tasks import ChecklistItem, Task

T = TypeVar("T")


ACCOMPLICES_DEPRECATION = (
    "Use `accompliceIds` (lists of IDs are named `<singular>Ids`, as `auditorIds`); "
    "`accomplicesIds` goes in the next release."
)


def _accomplices(new: T, new_given: bool, old: T, old_given: bool) -> tuple[T, str]:
    """The accomplices as given, under whichever of the two names, and that name."""
    if new_given and old_given:
        raise BadInput(
            "Give accompliceIds only (accomplicesIds is its deprecated name)",
            field="accomplicesIds",
        )
    return (old, "accomplicesIds") if old_given else (new, "accompliceIds")


@strawberry.input(description="A new task; it starts NEW, with the viewer as its creator.")
class TaskInput:
    title: str = strawberry.field(description=f"Up to {MAX_TITLE} characters.")
    description: str = strawberry.field(
        default="", description=f"Plain text, up to {MAX_DESCRIPTION} characters."
    )
    responsible_id: strawberry.ID | None = strawberry.field(
        default=None, description="Defaults to the viewer."
    )
    accomplice_ids: list[strawberry.ID] = strawberry.field(
        default_factory=list, description="Users who help the responsible."
    )
    accomplices_ids: list[strawberry.ID] = strawberry.field(
        default_factory=list,
        description="The old name of `accompliceIds`; give one of the two.",
        deprecation_reason=ACCOMPLICES_DEPRECATION,
    )
    auditor_ids: list[strawberry.ID] = strawberry.field(
        default_factory=list, description="Users who follow the task."
    )
    deadline: datetime | None = strawberry.field(
        default=None, description="When it is due, with a time zone; null for never."
    )
    priority: rules.TaskPriority = strawberry.field(
        default=rules.TaskPriority.NORMAL, description="How urgent it is."
    )
    tags: list[str] = strawberry.field(
        default_factory=list,
        description=f"At most {MAX_TAGS}, each up to {MAX_TAG} characters; lower-cased and "
        "de-duplicated.",
    )
    require_approval: bool = strawberry.field(
        default=False, description="The responsible's completion waits for the creator's approval."
    )
    parent_id: strawberry.ID | None = strawberry.field(
        default=None, description="Make it a subtask of this task."
    )
    crm_item_ids: list[strawberry.ID] = strawberry.field(
        default_factory=list,
        description="Leads, contacts, companies or deals the task is about (ones you may read).",
    )


@strawberry.input(
    description="Changes to a task: fields left out stay as they are; lists are replaced whole."
)
class TaskPatch:
    title: str | None = strawberry.field(default=strawberry.UNSET, description="A new title.")
    description: str | None = strawberry.field(
        default=strawberry.UNSET, description="A new description."
    )
    responsible_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET, description="Another responsible."
    )
    accomplice_ids: list[strawberry.ID] | None = strawberry.field(
        default=strawberry.UNSET, description="The accomplices, all of them."
    )
    accomplices_ids: list[strawberry.ID] | None = strawberry.field(
        default=strawberry.UNSET,
        description="The old name of `accompliceIds`; give one of the two.",
        deprecation_reason=ACCOMPLICES_DEPRECATION,
    )
    auditor_ids: list[strawberry.ID] | None = strawberry.field(
        default=strawberry.UNSET, description="The auditors, all of them."
    )
    deadline: datetime | None = strawberry.field(
        default=strawberry.UNSET, description="A new deadline; null removes it."
    )
    priority: rules.TaskPriority | None = strawberry.field(
        default=strawberry.UNSET, description="A new priority."
    )
    tags: list[str] | None = strawberry.field(
        default=strawberry.UNSET, description="The tags, all of them."
    )
    require_approval: bool | None = strawberry.field(
        default=strawberry.UNSET, description="Whether completion needs the creator's approval."
    )
    parent_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET,
        description="Another parent task (never the task or one below it); null makes it a "
        "top task.",
    )
    crm_item_ids: list[strawberry.ID] | None = strawberry.field(
        default=strawberry.UNSET, description="Replaces the task's CRM links; null or [] clears."
    )


def _user_ids(ids: list[strawberry.ID], field: str) -> list[int]:
    return [decode_id(global_id, "User", field) for global_id in ids]


def _patch(input: TaskPatch) -> commands.TaskChanges:
    given, accomplices_field = _accomplices(
        input.accomplice_ids,
        input.accomplice_ids is not strawberry.UNSET,
        input.accomplices_ids,
        input.accomplices_ids is not strawberry.UNSET,
    )
    accomplices = required(given, accomplices_field)
    auditors = required(input.auditor_ids, "auditorIds")
    responsible = required(input.responsible_id, "responsibleId")
    priority = required(input.priority, "priority")
    return commands.TaskChanges(
        title=required(input.title, "title"),
        description=required(input.description, "description"),
        responsible_id=(
            decode_id(responsible, "User", "responsibleId")
            if isinstance(responsible, str)
            else responsible
        ),
        accomplice_ids=(
            _user_ids(accomplices, accomplices_field)
            if isinstance(accomplices, list)
            else accomplices
        ),
        accomplices_field=accomplices_field,
        auditor_ids=_user_ids(auditors, "auditorIds") if isinstance(auditors, list) else auditors,
        deadline=nullable(input.deadline),
        priority=priority,
        tags=required(input.tags, "tags"),
        require_approval=required(input.require_approval, "requireApproval"),
        parent_id=id_or_null(input.parent_id, "Task", "parentId"),
        crm_items=(
            MISSING
            if input.crm_item_ids is strawberry.UNSET
            else decode_crm_item_ids(input.crm_item_ids or [], CRM_ITEMS_FIELD)
        ),
    )


async def _move(info: Info, id: strawberry.ID, action: rules.TaskAction) -> Task:
    return Task.of(await commands.change_status(info.context, decode_id(id, "Task"), action))


TaskIdArgument = Annotated[strawberry.ID, strawberry.argument(description="The task's ID.")]
ItemIdArgument = Annotated[
    strawberry.ID, strawberry.argument(description="The checklist item's ID.")
]


@strawberry.type
class TaskMutations:
    @strawberry.mutation(description="Creates a task; the viewer is its creator.")
    async def create_task(
        self, info: Info, input: Annotated[TaskInput, strawberry.argument(description="The task.")]
    ) -> Task:
        accomplices, accomplices_field = _accomplices(
            input.accomplice_ids,
            bool(input.accomplice_ids),
            input.accomplices_ids,
            bool(input.accomplices_ids),
        )
        new = commands.NewTask(
            title=input.title,
            description=input.description,
            responsible_id=decode_optional_id(input.responsible_id, "User", "responsibleId"),
            accomplice_ids=_user_ids(accomplices, accomplices_field),
            accomplices_field=accomplices_field,
            auditor_ids=_user_ids(input.auditor_ids, "auditorIds"),
            deadline=input.deadline,
            priority=input.priority,
            tags=input.tags,
            require_approval=input.require_approval,
            parent_id=decode_optional_id(input.parent_id, "Task", "parentId"),
            crm_items=decode_crm_item_ids(input.crm_item_ids, CRM_ITEMS_FIELD),
        )
        return Task.of(await commands.create_task(info.context, new))

    @strawberry.mutation(description="The creator, their heads and admins.")
    async def update_task(
        self,
        info: Info,
        id: TaskIdArgument,
        input: Annotated[TaskPatch, CHANGES],
    ) -> Task:
        changes = _patch(input)
        return Task.of(await commands.update_task(info.context, decode_id(id, "Task"), changes))

    @strawberry.mutation(description="The creator and admins. Answers the deleted task's ID.")
    async def delete_task(self, info: Info, id: TaskIdArgument) -> strawberry.ID:
        await commands.delete_task(info.context, decode_id(id, "Task"))
        return id

    @strawberry.mutation(description="NEW, PENDING or DEFERRED → IN_PROGRESS.")
    async def start_task(self, info: Info, id: TaskIdArgument) -> Task:
        return await _move(info, id, rules.TaskAction.START)

    @strawberry.mutation(description="NEW, PENDING or IN_PROGRESS → DEFERRED.")
    async def defer_task(self, info: Info, id: TaskIdArgument) -> Task:
        return await _move(info, id, rules.TaskAction.DEFER)

    @strawberry.mutation(
        description="→ COMPLETED, or SUPPOSEDLY_COMPLETED when the task requires approval "
        "and the viewer may not approve it."
    )
    async def complete_task(self, info: Info, id: TaskIdArgument) -> Task:
        return await _move(info, id, rules.TaskAction.COMPLETE)

    @strawberry.mutation(description="SUPPOSEDLY_COMPLETED → COMPLETED.")
    async def approve_task(self, info: Info, id: TaskIdArgument) -> Task:
        return await _move(info, id, rules.TaskAction.APPROVE)

    @strawberry.mutation(description="SUPPOSEDLY_COMPLETED → PENDING: back to work.")
    async def return_task(self, info: Info, id: TaskIdArgument) -> Task:
        return await _move(info, id, rules.TaskAction.RETURN)

    @strawberry.mutation(description="The responsible refuses: NEW or PENDING → DECLINED.")
    async def decline_task(self, info: Info, id: TaskIdArgument) -> Task:
        return await _move(info, id, rules.TaskAction.DECLINE)

    @strawberry.mutation(description="COMPLETED, DEFERRED or DECLINED → PENDING.")
    async def renew_task(self, info: Info, id: TaskIdArgument) -> Task:
        return await _move(info, id, rules.TaskAction.RENEW)

    @strawberry.mutation(description="Adds an open item at the end of the task's checklist.")
    async def add_checklist_item(
        self,
        info: Info,
        task_id: TaskIdArgument,
        title: Annotated[str, strawberry.argument(description="What is to be done.")],
    ) -> ChecklistItem:
        task_pk = decode_id(task_id, "Task", "taskId")
        return ChecklistItem.of(await checklist.add_checklist_item(info.context, task_pk, title))

    @strawberry.mutation(description="Ticks an open item, reopens a ticked one.")
    async def toggle_checklist_item(self, info: Info, id: ItemIdArgument) -> ChecklistItem:
        item_pk = decode_id(id, "ChecklistItem")
        return ChecklistItem.of(await checklist.toggle_checklist_item(info.context, item_pk))

    @strawberry.mutation(description="`itemIds` must name every item of the checklist once.")
    async def reorder_checklist(
        self,
        info: Info,
        task_id: TaskIdArgument,
        item_ids: Annotated[
            list[strawberry.ID],
            strawberry.argument(description="The task's checklist items in their new order."),
        ],
    ) -> Task:
        task_pk = decode_id(task_id, "Task", "taskId")
        item_pks = [decode_id(item, "ChecklistItem", "itemIds") for item in item_ids]
        return Task.of(await checklist.reorder_checklist(info.context, task_pk, item_pks))

    @strawberry.mutation(description="Deletes a checklist item; answers its ID.")
    async def remove_checklist_item(self, info: Info, id: ItemIdArgument) -> strawberry.ID:
        await checklist.remove_checklist_item(info.context, decode_id(id, "ChecklistItem"))
        return id
