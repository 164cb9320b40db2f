"""Departments: a tree with a head each, kept as materialised paths for subtree queries."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Select, String, func, literal, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from models import Department, User
from resolvers.access.freshness import access_changed
from resolvers.context import RequestContext
from resolvers.errors import BadInput, Conflict, not_found
from resolvers.loading import aligned, grouped
from resolvers.pagination import Page, PageRequest, SortKey, fetch_page
from resolvers.patch import MISSING, Missing
from resolvers.validation import text

MAX_NAME = 200


@dataclass(frozen=True)
class DepartmentFilter:
    search: str | None = None
    parent_id: int | None = None
    roots_only: bool = False


@dataclass(frozen=True)
class NewDepartment:
    name: str
    parent_id: int | None = None
    head_id: int | None = None


@dataclass(frozen=True)
class DepartmentChanges:
    name: str | Missing = MISSING
    parent_id: int | Missing | None = MISSING
    head_id: int | Missing | None = MISSING


async def departments_by_id(ctx: RequestContext, ids: list[int]) -> Sequence[Department | None]:
    async with ctx.db() as session:
        rows = (await session.execute(select(Department).where(Department.id.in_(ids)))).scalars()
        return aligned(ids, rows, lambda department: department.id)


async def children_by_parent_id(
    ctx: RequestContext, parent_ids: list[int]
) -> Sequence[list[Department]]:
    async with ctx.db() as session:
        rows = (
            await session.execute(
                select(Department)
                .where(Department.parent_id.in_(parent_ids))
                .order_by(Department.name, Department.id)
            )
        ).scalars()
        return grouped(parent_ids, rows, lambda department: department.parent_id)


async def members_by_department_id(
    ctx: RequestContext, department_ids: list[int]
) -> Sequence[list[User]]:
    async with ctx.db() as session:
        rows = (
            await session.execute(
                select(User)
                .where(User.department_id.in_(department_ids))
                .order_by(User.name, User.id)
            )
        ).scalars()
        return grouped(department_ids, rows, lambda user: user.department_id)


async def get_department(ctx: RequestContext, department_id: int) -> Department:
    ctx.require_viewer()
    department = await ctx.loader(departments_by_id).load(department_id)
    if department is None:
        raise not_found("Department", department_id, "id")
    return department


async def list_departments(
    ctx: RequestContext, filter: DepartmentFilter, page: PageRequest
) -> Page[Department]:
    ctx.require_viewer()
    statement: Select[tuple[Department]] = select(Department)
    if filter.search:
        pattern = f"%{filter.search.strip().lower()}%"
        statement = statement.where(func.lower(Department.name).like(pattern))
    if filter.parent_id is not None:
        statement = statement.where(Department.parent_id == filter.parent_id)
    if filter.roots_only:
        statement = statement.where(Department.parent_id.is_(None))
    keys = [SortKey(Department.name), SortKey(Department.id)]
    return await fetch_page(ctx, statement, keys, page)


async def create_department(ctx: RequestContext, new: NewDepartment) -> Department:
    ctx.require_admin()
    name = text(new.name, "name", max_length=MAX_NAME)
    async with ctx.db() as session:
        parent = await _parent(session, new.parent_id)
        if new.head_id is not None:
            await _require_user(session, new.head_id)
        department = Department(name=name, parent_id=new.parent_id, head_id=new.head_id, path="")
        session.add(department)
        await session.flush()
        department.path = f"{parent.path if parent else '/'}{department.id}/"
        await session.commit()
    return department


async def update_department(
    ctx: RequestContext, department_id: int, changes: DepartmentChanges
) -> Department:
    ctx.require_admin()
    async with ctx.db() as session:
        department = await session.get(Department, department_id)
        if department is None:
            raise not_found("Department", department_id, "id")
        if isinstance(changes.name, str):
            department.name = text(changes.name, "name", max_length=MAX_NAME)
        if changes.head_id is not MISSING:
            if changes.head_id is not None:
                await _require_user(session, changes.head_id)
            department.head_id = changes.head_id or None
        if changes.parent_id is not MISSING and changes.parent_id != department.parent_id:
            parent_id = changes.parent_id or None
            await _move(session, department, await _parent(session, parent_id))
        await session.commit()
    ctx.forget_loaded()
    return department


async def delete_department(ctx: RequestContext, department_id: int) -> int:
    ctx.require_admin()
    async with ctx.db() as session:
        department = await session.get(Department, department_id)
        if department is None:
            raise not_found("Department", department_id, "id")
        has_children = await session.scalar(
            select(func.count()).where(Department.parent_id == department_id)
        )
        has_members = await session.scalar(
            select(func.count()).where(User.department_id == department_id)
        )
        if has_children or has_members:
            raise Conflict("Move the department's members and sub-departments away first")
        await session.delete(department)
        await session.commit()
    ctx.forget_loaded()
    return department_id


async def _parent(session: AsyncSession, parent_id: int | None) -> Department | None:
    if parent_id is None:
        return None
    parent = await session.get(Department, parent_id)
    if parent is None:
        raise not_found("Department", parent_id, "parentId")
    return parent


async def _require_user(session: AsyncSession, user_id: int) -> None:
    if await session.get(User, user_id) is None:
        raise not_found("User", user_id, "headId")


async def _move(session: AsyncSession, department: Department, parent: Department | None) -> None:
    """Re-hang a department and rewrite the paths of its whole subtree."""
    old_path = department.path
    if parent is not None and parent.path.startswith(old_path):
        raise BadInput("A department cannot move below itself", field="parentId")
    new_path = f"{parent.path if parent else '/'}{department.id}/"
    department.parent_id = parent.id if parent else None
    await session.execute(
        update(Department)
        .where(Department.path.startswith(old_path, autoescape=True))
        .values(path=literal(new_path, String) + func.substr(Department.path, len(old_path) + 1))
        .execution_options(synchronize_session="fetch")
    )
    department.path = new_path
    # Roles held by the subtree's new ancestors now apply to its members, and the old ones
    # no longer do.
    await access_changed(session, actor_id=None)
