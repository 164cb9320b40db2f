"""CALL_WEBHOOK: the event that started the run, delivered to one of the hub's webhooks.

The delivery is made in the run's transaction, so it exists exactly when the run is logged
DONE, and is then signed, retried and logged like every other (resolvers/webhooks/). It
goes out whatever kinds the webhook subscribes to (a webhook that also subscribes to the
event's kind gets it twice, with the same ``Crmhub-Event-Id``), and carries what the
webhook's owner may see of the event, as its subscribed deliveries do (for TASK_OVERDUE:
the task's event, not the record the rule acts on).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from models import Webhook
from models.crm import CrmEntity
from resolvers.automation.actions.base import Action, ActionFailed, Run
from resolvers.errors import BadInput, not_found
from resolvers.webhooks.dispatch import deliver_to


async def check(
    session: AsyncSession, _entity: CrmEntity, options: Mapping[str, Any], path: str
) -> dict[str, Any]:
    webhook_id = options.get("webhookId")
    if not isinstance(webhook_id, int):
        raise BadInput("Which webhook to call: a webhook's ID", field=f"{path}.webhookId")
    if await session.get(Webhook, webhook_id) is None:
        raise not_found("Webhook", webhook_id, f"{path}.webhookId")
    return {"webhookId": webhook_id}


async def run(run: Run, options: Mapping[str, Any]) -> None:
    async with run.ctx.db() as session:
        if not await deliver_to(run.ctx.services, session, options["webhookId"], run.event):
            raise ActionFailed(
                "The webhook is gone or disabled, or its owner may not see the record"
            )
        await session.commit()


ACTION = Action(check=check, run=run)
