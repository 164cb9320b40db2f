"""Choosing who gets a new lead among a department's active members: in turn (round robin)
or the one with the fewest open leads (least loaded)."""

from __future__ import annotations

import enum

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import User
from models.crm import Lead, LeadStatus, Semantics


class Strategy(enum.Enum):
    ROUND_ROBIN = "ROUND_ROBIN"
    LEAST_LOADED = "LEAST_LOADED"


async def next_assignee(
    session: AsyncSession, department_id: int, strategy: Strategy, last_user_id: int | None
) -> int | None:
    """The member to assign next; None when the department has no active member. Members are
    the department's own users (not its subdepartments'), in id order."""
    members = list(
        await session.scalars(
            select(User.id)
            .where(User.department_id == department_id, User.active.is_(True))
            .order_by(User.id)
        )
    )
    if not members:
        return None
    if strategy is Strategy.ROUND_ROBIN:
        return next(
            (user for user in members if last_user_id is None or user > last_user_id), members[0]
        )
    return await _least_loaded(session, members)


async def _least_loaded(session: AsyncSession, members: list[int]) -> int:
    """The member with the fewest leads still being worked (status semantics PROCESS); the
    first in id order among equals."""
    open_leads = dict(
        (
            await session.execute(
                select(Lead.assigned_to_id, func.count())
                .join(LeadStatus, LeadStatus.id == Lead.status_id)
                .where(Lead.assigned_to_id.in_(members), LeadStatus.semantics == Semantics.PROCESS)
                .group_by(Lead.assigned_to_id)
            )
        )
        .tuples()
        .all()
    )
    return min(members, key=lambda user: (open_leads.get(user, 0), user))
