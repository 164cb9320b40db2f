"""Control events: written to the log like any other, read by the hubs, never in the feed.

Revocation travels through the event log rather than only over the bus, so that it reaches
every process even after a bus outage: whatever the log holds, every pump dispatches.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.ext.asyncio import AsyncSession

from subscriptions.events import append_event

ACCESS_REVOKED = "ACCESS_REVOKED"
ACCESS_CHANGED = "ACCESS_CHANGED"
CONTROL_KINDS = frozenset({ACCESS_REVOKED, ACCESS_CHANGED})
CONTROL_SCOPE = "ACCESS"


async def record_revocation(
    session: AsyncSession,
    *,
    actor_id: int | None,
    token_ids: Iterable[int] = (),
    user_ids: Iterable[int] = (),
) -> None:
    """Open subscriptions of these tokens or users are to be closed (logout, deactivation);
    the caller commits."""
    tokens, users = sorted(set(token_ids)), sorted(set(user_ids))
    await append_event(
        session,
        ACCESS_REVOKED,
        actor_id=actor_id,
        subject=(CONTROL_SCOPE, 0),
        scope=(CONTROL_SCOPE, 0),
        changes={},
        envelope={"tokenIds": tokens, "userIds": users},
    )


async def record_access_change(
    session: AsyncSession, *, actor_id: int | None, user_ids: Iterable[int] | None = None
) -> None:
    """Rights changed for these users (everyone, with None): their open subscriptions are
    renewed (subscriptions/hub.py) and judge every later event under the new rules; the
    caller commits."""
    envelope: dict[str, object] = (
        {"all": True} if user_ids is None else {"userIds": sorted(set(user_ids))}
    )
    await append_event(
        session,
        ACCESS_CHANGED,
        actor_id=actor_id,
        subject=(CONTROL_SCOPE, 0),
        scope=(CONTROL_SCOPE, 0),
        changes={},
        envelope=envelope,
    )
