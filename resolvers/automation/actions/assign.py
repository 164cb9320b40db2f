"""ASSIGN: make a member of a department responsible for the record, in turn (round robin)
or the one with the fewest open leads (least loaded), as web forms route leads."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models import AutomationRule, Department
from models.crm import CrmEntity
from resolvers.automation.actions.base import Action, ActionFailed, Run, hooks_of
from resolvers.crm.records import update_record
from resolvers.errors import BadInput, not_found
from resolvers.routing import Strategy, next_assignee


async def check(
    session: AsyncSession, entity: CrmEntity, options: Mapping[str, Any], path: str
) -> dict[str, Any]:
    try:
        strategy = Strategy(options.get("strategy"))
    except ValueError:
        raise BadInput("ROUND_ROBIN or LEAST_LOADED", field=f"{path}.strategy") from None
    department_id = options.get("departmentId")
    if not isinstance(department_id, int):
        raise BadInput("A department's ID", field=f"{path}.departmentId")
    if await session.get(Department, department_id) is None:
        raise not_found("Department", department_id, f"{path}.departmentId")
    return {"strategy": strategy.value, "departmentId": department_id}


async def run(run: Run, options: Mapping[str, Any]) -> None:
    async with run.ctx.db() as session:
        # The rule's row is locked until the run commits: two runs of the rule (another
        # process's, say) take turns and never pick alike.
        rule = await session.scalar(
            select(AutomationRule)
            .where(AutomationRule.id == run.rule_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        assert rule is not None
        chosen = await next_assignee(
            session, options["departmentId"], Strategy(options["strategy"]), rule.last_assigned_id
        )
        if chosen is None:
            raise ActionFailed("The department has no active member to assign to")
        rule.last_assigned_id = chosen
        await session.flush()
    await update_record(
        run.ctx, run.entity, run.record_id, {"assignedToId": chosen}, hooks_of(run.entity)
    )


ACTION = Action(check=check, run=run)
