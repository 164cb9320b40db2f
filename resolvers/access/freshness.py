"""When rights change: every process recompiles, every open subscription is renewed."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.ext.asyncio import AsyncSession

from auth.policy.epoch import bump_policy_epoch
from subscriptions.control import record_access_change


async def access_changed(
    session: AsyncSession, *, actor_id: int | None, user_ids: Iterable[int] | None = None
) -> None:
    """In the transaction of a change to roles, grants, assignments or a user's standing:
    the epoch makes the next request of every affected user recompile its policy, and the
    logged change makes every process renew the open subscriptions of those users
    (everyone, with None), which judge every later event under the new rules."""
    await bump_policy_epoch(session)
    await record_access_change(session, actor_id=actor_id, user_ids=user_ids)
