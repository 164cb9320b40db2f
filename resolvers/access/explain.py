"""Access as seen by a given user: their effective permissions, and why they may or may not
act on a given record."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from auth.policy import CompiledPolicy, Decision, PermissionSummary
from auth.viewer import Viewer
from models import AccessAction, AccessLevel, Department, User
from models.crm import CrmEntity
from models.crm.entities import type_name_of
from resolvers.access.envelopes import envelopes_by_id
from resolvers.access.loading import compile_policy
from resolvers.context import RequestContext
from resolvers.errors import Forbidden, not_found


async def effective_permissions(ctx: RequestContext, user_id: int) -> list[PermissionSummary]:
    """A user's effective levels: the viewer's own, or anyone's for an administrator."""
    viewer = ctx.require_viewer()
    if user_id == viewer.user_id:
        return ctx.require_policy().summary()
    if not viewer.is_admin:
        raise Forbidden("Only an administrator may see another user's permissions")
    async with ctx.db() as session:
        policy, _active = await policy_of_user(session, user_id, "id")
    return policy.summary()


async def explain_access(
    ctx: RequestContext, user_id: int, entity: CrmEntity, record_id: int, action: AccessAction
) -> Decision:
    ctx.require_admin()
    async with ctx.db() as session:
        policy, active = await policy_of_user(session, user_id, "userId")
        envelope = (await envelopes_by_id(session, entity, [record_id])).get(record_id)
    if envelope is None:
        raise not_found(type_name_of(entity), record_id, "nodeId")
    if not active:
        return Decision(False, None, AccessLevel.NONE, "inactive", "The user is deactivated")
    return policy.explain(action, envelope)


async def policy_of_user(
    session: AsyncSession, user_id: int, field: str
) -> tuple[CompiledPolicy, bool]:
    """The user's policy (compiled afresh: asked for rarely) and whether they are active."""
    row = (
        await session.execute(
            select(User.is_admin, User.active, User.department_id, Department.path)
            .outerjoin(Department, Department.id == User.department_id)
            .where(User.id == user_id)
        )
    ).one_or_none()
    if row is None:
        raise not_found("User", user_id, field)
    is_admin, active, department_id, path = row
    viewer = Viewer(
        user_id=user_id,
        is_admin=is_admin,
        department_id=department_id,
        department_path=path or "",
        # No token: this policy is looked at, never acted on.
        token_id=0,
    )
    return await compile_policy(session, viewer), active
