"""Roles: listing and loading them, and the admin's create, rename and delete.

Deleting a role deletes its grants and assignments with it (every holder loses it on their
next request): refusing while it is assigned would only make the admin unassign it first.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Select, delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from auth.policy.epoch import bump_policy_epoch
from models import ApiKey, FieldRule, Role, RoleAssignment, RolePermission, StageTransition
from resolvers.access.freshness import access_changed
from resolvers.api_keys import revoke_role_keys
from resolvers.context import RequestContext
from resolvers.errors import Conflict, not_found
from resolvers.pagination import Page, PageRequest, SortKey, fetch_page
from resolvers.patch import MISSING, Missing
from resolvers.validation import text

MAX_NAME = 100
MAX_DESCRIPTION = 2000


@dataclass(frozen=True)
class NewRole:
    name: str
    description: str = ""


@dataclass(frozen=True)
class RoleChanges:
    name: str | Missing = MISSING
    description: str | Missing = MISSING


async def roles_by_id(ctx: RequestContext, ids: list[int]) -> Sequence[Role | None]:
    async with ctx.db() as session:
        found = {
            role.id: role for role in await session.scalars(select(Role).where(Role.id.in_(ids)))
        }
    return [found.get(role_id) for role_id in ids]


async def get_role(ctx: RequestContext, role_id: int) -> Role:
    ctx.require_admin()
    role = await ctx.loader(roles_by_id).load(role_id)
    if role is None:
        raise not_found("Role", role_id)
    return role


async def list_roles(ctx: RequestContext, page: PageRequest) -> Page[Role]:
    ctx.require_admin()
    statement: Select[tuple[Role]] = select(Role)
    return await fetch_page(ctx, statement, [SortKey(Role.name), SortKey(Role.id)], page)


async def create_role(ctx: RequestContext, new: NewRole) -> Role:
    ctx.require_admin()
    role = Role(
        name=text(new.name, "name", max_length=MAX_NAME),
        description=text(
            new.description, "description", max_length=MAX_DESCRIPTION, required=False
        ),
    )
    async with ctx.db() as session:
        session.add(role)
        await _commit_unique_name(session, role.name)
    return role


async def update_role(ctx: RequestContext, role_id: int, changes: RoleChanges) -> Role:
    ctx.require_admin()
    async with ctx.db() as session:
        role = await require_role(session, role_id, "id")
        if isinstance(changes.name, str):
            role.name = text(changes.name, "name", max_length=MAX_NAME)
        if isinstance(changes.description, str):
            role.description = text(
                changes.description, "description", max_length=MAX_DESCRIPTION, required=False
            )
        # Role names appear in explanations, which are part of the compiled policy.
        await bump_policy_epoch(session)
        await _commit_unique_name(session, role.name)
    ctx.forget_loaded()
    return role


async def delete_role(ctx: RequestContext, role_id: int) -> int:
    admin = ctx.require_admin()
    async with ctx.db() as session:
        role = await require_role(session, role_id, "id")
        await revoke_role_keys(session, role_id, admin.user_id)
        # Explicit, not left to ON DELETE CASCADE, which SQLite applies only when enabled.
        for dependent in (RolePermission, FieldRule, StageTransition, RoleAssignment, ApiKey):
            await session.execute(delete(dependent).where(dependent.role_id == role_id))
        await session.delete(role)
        await access_changed(session, actor_id=admin.user_id)
        await session.commit()
    ctx.forget_loaded()
    return role_id


async def require_role(session: AsyncSession, role_id: int, field: str) -> Role:
    role = await session.get(Role, role_id)
    if role is None:
        raise not_found("Role", role_id, field)
    return role


async def _commit_unique_name(session: AsyncSession, name: str) -> None:
    try:
        await session.commit()
    except IntegrityError as error:
        await session.rollback()
        raise Conflict(f"A role named '{name}' already exists", field="name") from error
