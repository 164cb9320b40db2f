"""What an open subscription judges with, and how it follows a change of rights.

A subscription is judged in memory with the viewer's *sight*: their standing, their compiled
policy and the departments they head. When rights change, the hub asks every affected
subscription to renew it (subscriptions/hub.py): the sight is read again once per viewer and
change, however many subscriptions the viewer holds (the read is shared through the
process's ``SharedResults``), and set on the subscription's context, so that nested objects
of later events are read under the new rights too.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass, replace

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from auth.policy import CompiledPolicy
from auth.tokens import current_standing
from auth.viewer import Viewer
from models import Department
from resolvers.access.loading import policy_for
from resolvers.context import RequestContext, Services
from resolvers.errors import Forbidden
from subscriptions.hub import Closed
from subscriptions.realtime import Realtime


@dataclass(frozen=True)
class Sight:
    viewer: Viewer
    policy: CompiledPolicy
    # Paths of the departments the viewer heads: they see tasks of people in them and below.
    headed_paths: tuple[str, ...]


def realtime_of(ctx: RequestContext) -> Realtime:
    realtime = ctx.services.realtime
    if realtime is None:
        raise Forbidden("Subscriptions are not served by this process")
    return realtime


async def sight_of(ctx: RequestContext) -> Sight:
    """The sight of the viewer who opens a subscription (their policy is already attached)."""
    viewer = ctx.require_viewer()
    async with ctx.db() as session:
        headed = await headed_paths(session, viewer.user_id)
    return Sight(viewer, ctx.require_policy(), headed)


async def renewed_sight(ctx: RequestContext, seq: int) -> Sight:
    """The viewer's sight after the change of rights logged at ``seq``, now also the
    context's. Raises Closed when the user may no longer be served (deactivated)."""
    viewer = ctx.require_viewer()
    services = ctx.services
    loaded = realtime_of(ctx).shared.get(
        ("sight", viewer.user_id, seq), lambda: _load(services, viewer)
    )
    sight = await loaded if inspect.isawaitable(loaded) else loaded
    if not isinstance(sight, Sight):
        raise Closed("access revoked; log in again")
    # Loaded once for all the user's subscriptions: each keeps its own token.
    own = replace(sight, viewer=replace(sight.viewer, token_id=viewer.token_id))
    ctx.viewer, ctx.policy = own.viewer, own.policy
    return own


async def _load(services: Services, viewer: Viewer) -> Sight | None:
    async with services.session_factory() as session:
        current = await current_standing(session, viewer)
        if current is None:
            return None
        headed = await headed_paths(session, viewer.user_id)
    return Sight(current, await policy_for(services, current), headed)


async def headed_paths(session: AsyncSession, user_id: int) -> tuple[str, ...]:
    headed = await session.scalars(select(Department.path).where(Department.head_id == user_id))
    return tuple(headed)
