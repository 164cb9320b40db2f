"""NOTIFY: a notification to the record's responsible user or a named one, its text filled
from the record's fields."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from models import User
from models.crm import CrmEntity
from resolvers.automation.actions.base import (
    Action,
    Run,
    fill,
    record_of,
    template,
    user_id_option,
)
from resolvers.errors import not_found
from resolvers.notifications import MAX_TEXT, NotificationKind, notify

MAX_NOTIFICATION = MAX_TEXT


async def check(
    session: AsyncSession, entity: CrmEntity, options: Mapping[str, Any], path: str
) -> dict[str, Any]:
    user_id = user_id_option(options, "userId", path)
    if user_id is not None and await session.get(User, user_id) is None:
        raise not_found("User", user_id, f"{path}.userId")
    return {
        "text": template(entity, options.get("text"), f"{path}.text", MAX_NOTIFICATION, True),
        "userId": user_id,
    }


async def run(run: Run, options: Mapping[str, Any]) -> None:
    async with run.ctx.db() as session:
        record = await record_of(run, session)
        recipient = options.get("userId") or record.assigned_to_id
        if recipient is not None:
            # No actor: the rule speaks, so its owner is told too when they are the one.
            await notify(
                session,
                [recipient],
                NotificationKind.AUTOMATION,
                (run.entity.value, run.record_id),
                None,
                await fill(run, session, record, options["text"]),
            )
        await session.commit()


ACTION = Action(check=check, run=run)
