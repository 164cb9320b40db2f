"""CREATE_TASK: a task bound to the record, its title and description filled from the
record's fields (``{title}``, ``{amount}``, ...), due a number of hours after the run, for
the record's responsible user or a named one."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from models import User, utcnow
from models.crm import CrmEntity
from resolvers.automation.actions.base import (
    Action,
    Run,
    fill,
    record_of,
    template,
    user_id_option,
)
from resolvers.errors import BadInput, not_found
from resolvers.tasks.commands import MAX_DESCRIPTION, MAX_TITLE, NewTask, create_task

# A year: a deadline further out is a mistake in the unit.
MAX_DEADLINE_HOURS = 24 * 366


async def check(
    session: AsyncSession, entity: CrmEntity, options: Mapping[str, Any], path: str
) -> dict[str, Any]:
    hours = options.get("deadlineInHours")
    if hours is not None and (not isinstance(hours, int) or not 0 <= hours <= MAX_DEADLINE_HOURS):
        raise BadInput(
            f"Hours from the run, 0 to {MAX_DEADLINE_HOURS}", field=f"{path}.deadlineInHours"
        )
    responsible_id = user_id_option(options, "responsibleId", path)
    if responsible_id is not None and await session.get(User, responsible_id) is None:
        raise not_found("User", responsible_id, f"{path}.responsibleId")
    return {
        "title": template(entity, options.get("title"), f"{path}.title", MAX_TITLE, True),
        "description": template(
            entity, options.get("description") or "", f"{path}.description", MAX_DESCRIPTION, False
        ),
        "deadlineInHours": hours,
        "responsibleId": responsible_id,
    }


async def run(run: Run, options: Mapping[str, Any]) -> None:
    async with run.ctx.db() as session:
        record = await record_of(run, session)
        title = await fill(run, session, record, options["title"])
        description = await fill(run, session, record, options["description"])
    hours = options.get("deadlineInHours")
    task = await create_task(
        run.ctx,
        NewTask(
            title=title[:MAX_TITLE],
            description=description[:MAX_DESCRIPTION],
            responsible_id=options.get("responsibleId") or record.assigned_to_id,
            deadline=None if hours is None else utcnow() + timedelta(hours=hours),
            crm_items=[(run.entity, run.record_id)],
        ),
    )
    run.created.append(("Task", task.id))


ACTION = Action(check=check, run=run)
