"""Who holds which role: users directly, departments for all their members and sub-departments."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import Department, Role, RoleAssignment, User
from resolvers.access.freshness import access_changed
from resolvers.access.loading import ancestor_ids
from resolvers.access.roles import require_role
from resolvers.context import RequestContext
from resolvers.errors import BadInput, not_found


@dataclass(frozen=True)
class Holder:
    """Exactly one of the two."""

    user_id: int | None = None
    department_id: int | None = None

    def validated(self) -> Holder:
        if (self.user_id is None) == (self.department_id is None):
            raise BadInput("Give either userId or departmentId", field="userId")
        return self

    def condition(self) -> ColumnElement[bool]:
        if self.user_id is not None:
            return RoleAssignment.user_id == self.user_id
        return RoleAssignment.department_id == self.department_id


async def assign_role(ctx: RequestContext, role_id: int, holder: Holder) -> Role:
    """Idempotent: assigning a role already held changes nothing."""
    admin = ctx.require_admin()
    holder = holder.validated()
    async with ctx.db() as session:
        role = await require_role(session, role_id, "roleId")
        await _require_holder(session, holder)
        held = await session.scalar(
            select(RoleAssignment.id).where(RoleAssignment.role_id == role_id, holder.condition())
        )
        if held is None:
            session.add(
                RoleAssignment(
                    role_id=role_id, user_id=holder.user_id, department_id=holder.department_id
                )
            )
            await access_changed(session, actor_id=admin.user_id)
            await session.commit()
    ctx.forget_loaded()
    return role


async def unassign_role(ctx: RequestContext, role_id: int, holder: Holder) -> Role:
    """Idempotent too; a role inherited from a department is unassigned from the department."""
    admin = ctx.require_admin()
    holder = holder.validated()
    async with ctx.db() as session:
        role = await require_role(session, role_id, "roleId")
        await _require_holder(session, holder)
        assignment = await session.scalar(
            select(RoleAssignment).where(RoleAssignment.role_id == role_id, holder.condition())
        )
        if assignment is not None:
            await session.delete(assignment)
            await access_changed(session, actor_id=admin.user_id)
            await session.commit()
    ctx.forget_loaded()
    return role


async def _require_holder(session: AsyncSession, holder: Holder) -> None:
    if holder.user_id is not None and await session.get(User, holder.user_id) is None:
        raise not_found("User", holder.user_id, "userId")
    department_id = holder.department_id
    if department_id is not None and await session.get(Department, department_id) is None:
        raise not_found("Department", department_id, "departmentId")


async def roles_by_user_id(ctx: RequestContext, user_ids: list[int]) -> Sequence[list[Role]]:
    """Each user's roles, held directly or through their department or one above it, by
    name; two statements for any number of users."""
    async with ctx.db() as session:
        paths = dict(
            (
                await session.execute(
                    select(User.id, Department.path)
                    .join(Department, Department.id == User.department_id)
                    .where(User.id.in_(user_ids))
                )
            )
            .tuples()
            .all()
        )
        departments = {d for path in paths.values() for d in ancestor_ids(path)}
        rows = (
            await session.execute(
                select(RoleAssignment.user_id, RoleAssignment.department_id, Role)
                .join(Role, Role.id == RoleAssignment.role_id)
                .where(
                    or_(
                        RoleAssignment.user_id.in_(user_ids),
                        RoleAssignment.department_id.in_(departments),
                    )
                )
                .order_by(Role.name, Role.id)
            )
        ).tuples()
        by_user: dict[int, list[Role]] = defaultdict(list)
        by_department: dict[int, list[Role]] = defaultdict(list)
        for user_id, department_id, role in rows:
            if user_id is not None:
                by_user[user_id].append(role)
            elif department_id is not None:
                by_department[department_id].append(role)
    return [
        _by_name(
            by_user[user_id]
            + [
                role
                for department_id in ancestor_ids(paths.get(user_id, ""))
                for role in by_department[department_id]
            ]
        )
        for user_id in user_ids
    ]


def _by_name(roles: list[Role]) -> list[Role]:
    unique = {role.id: role for role in roles}
    return sorted(unique.values(), key=lambda role: (role.name, role.id))


async def holders_by_role_id(
    ctx: RequestContext, role_ids: list[int]
) -> Sequence[list[RoleAssignment]]:
    async with ctx.db() as session:
        rows = await session.scalars(
            select(RoleAssignment)
            .where(RoleAssignment.role_id.in_(role_ids))
            .order_by(RoleAssignment.id)
        )
        by_role: dict[int, list[RoleAssignment]] = defaultdict(list)
        for row in rows:
            by_role[row.role_id].append(row)
    return [by_role[role_id] for role_id in role_ids]
