"""The ``tasks`` field of every CRM type: the tasks linked to the record the viewer may see."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from models.crm import CrmEntity
from resolvers.crm import task_links
from schema.context import Info
from schema.relay import Node

if TYPE_CHECKING:
    from schema.tasks import Task

# Lazy: schema.tasks reaches the CRM types through the CrmItem union.
TaskRef = Annotated["Task", strawberry.lazy("schema.tasks")]


def linked_tasks_field(entity: CrmEntity) -> Any:
    async def resolve(root: Node, info: Info) -> list[TaskRef]:
        from schema.tasks import Task

        rows = await info.context.loader(task_links.tasks_by_crm_key).load((entity, root.pk))
        return [Task.of(row) for row in rows]

    return strawberry.field(
        resolver=resolve, description="Tasks linked to this record that the viewer may see."
    )
