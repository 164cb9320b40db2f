"""Users: listing, loading and the admin's changes to them."""

from __future__ import annotations

import asyncio
import enum
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Select, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from auth.passwords import hash_password
from auth.tokens import revoke_user_tokens
from auth.viewer import Viewer
from models import Department, User
from resolvers.access.freshness import access_changed
from resolvers.context import RequestContext
from resolvers.errors import BadInput, Conflict, Forbidden, not_found
from resolvers.loading import aligned
from resolvers.pagination import Page, PageRequest, SortKey, fetch_page
from resolvers.patch import MISSING, Missing, given
from resolvers.sessions import confirm_password
from resolvers.validation import email as valid_email
from resolvers.validation import new_password, text
from subscriptions.control import record_revocation

MAX_NAME = 200


class UserOrderField(enum.Enum):
    NAME = "name"
    EMAIL = "email"
    CREATED_AT = "created_at"


@dataclass(frozen=True)
class UserFilter:
    search: str | None = None
    department_id: int | None = None
    active: bool | None = None


@dataclass(frozen=True)
class NewUser:
    email: str
    name: str
    password: str
    position: str = ""
    department_id: int | None = None
    is_admin: bool = False


@dataclass(frozen=True)
class UserChanges:
    email: str | Missing = MISSING
    name: str | Missing = MISSING
    position: str | Missing = MISSING
    department_id: int | Missing | None = MISSING
    is_admin: bool | Missing = MISSING
    active: bool | Missing = MISSING
    password: str | Missing = MISSING
    # Needed to change one's own password (not for an admin resetting someone else's).
    current_password: str | Missing = MISSING


async def users_by_id(ctx: RequestContext, ids: list[int]) -> Sequence[User | None]:
    async with ctx.db() as session:
        rows = (await session.execute(select(User).where(User.id.in_(ids)))).scalars()
        return aligned(ids, rows, lambda user: user.id)


async def get_user(ctx: RequestContext, user_id: int) -> User:
    ctx.require_viewer()
    user = await ctx.loader(users_by_id).load(user_id)
    if user is None:
        raise not_found("User", user_id)
    return user


async def list_users(
    ctx: RequestContext,
    filter: UserFilter,
    order: Sequence[tuple[UserOrderField, bool]],
    page: PageRequest,
) -> Page[User]:
    ctx.require_viewer()
    statement: Select[tuple[User]] = select(User)
    for condition in _conditions(filter):
        statement = statement.where(condition)
    keys = [SortKey(getattr(User, field.value), descending) for field, descending in order]
    keys.append(SortKey(User.id, keys[-1].descending if keys else False))
    return await fetch_page(ctx, statement, keys, page)


def _conditions(filter: UserFilter) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if filter.search:
        pattern = f"%{filter.search.strip().lower()}%"
        conditions.append(or_(func.lower(User.name).like(pattern), User.email.like(pattern)))
    if filter.department_id is not None:
        conditions.append(User.department_id == filter.department_id)
    if filter.active is not None:
        conditions.append(User.active.is_(filter.active))
    return conditions


async def create_user(ctx: RequestContext, new: NewUser) -> User:
    ctx.require_admin()
    user = User(
        email=valid_email(new.email),
        name=text(new.name, "name", max_length=MAX_NAME),
        position=text(new.position, "position", max_length=MAX_NAME, required=False),
        is_admin=new.is_admin,
        active=True,
        password_hash=await asyncio.to_thread(hash_password, new_password(new.password)),
    )
    async with ctx.db() as session:
        if new.department_id is not None:
            await _require_department(session, new.department_id)
        user.department_id = new.department_id
        session.add(user)
        await _commit_unique_email(session, user.email)
    return user


async def update_user(ctx: RequestContext, user_id: int, changes: UserChanges) -> User:
    viewer = ctx.require_viewer()
    if not viewer.is_admin and (user_id != viewer.user_id or _touches_admin_fields(changes)):
        raise Forbidden("Only an administrator may change other users, roles or activity")
    if viewer.user_id == user_id and (changes.active is False or changes.is_admin is False):
        raise Conflict("You cannot deactivate yourself or drop your own admin right")
    password_hash = None
    if isinstance(changes.password, str):
        password_hash = await _new_password_hash(ctx, viewer, user_id, changes)
    async with ctx.db() as session:
        user = await session.get(User, user_id)
        if user is None:
            raise not_found("User", user_id)
        if isinstance(changes.email, str):
            user.email = valid_email(changes.email)
        if isinstance(changes.name, str):
            user.name = text(changes.name, "name", max_length=MAX_NAME)
        if isinstance(changes.position, str):
            user.position = text(changes.position, "position", max_length=MAX_NAME, required=False)
        if changes.department_id is not MISSING:
            if changes.department_id is not None:
                await _require_department(session, changes.department_id)
            user.department_id = changes.department_id or None
        if isinstance(changes.is_admin, bool):
            user.is_admin = changes.is_admin
        if password_hash is not None:
            user.password_hash = password_hash
            await _end_other_sessions(session, viewer, user.id)
        if isinstance(changes.active, bool):
            user.active = changes.active
            if not changes.active:
                # Deactivation must bite on the very next request, open sockets included.
                await revoke_user_tokens(session, user.id)
                await record_revocation(session, actor_id=viewer.user_id, user_ids=[user.id])
        if _changes_standing(changes):
            # Department and admin right decide which roles apply and how far they reach.
            await access_changed(session, actor_id=viewer.user_id, user_ids=[user.id])
        await _commit_unique_email(session, user.email)
    ctx.forget_loaded()
    return user


async def deactivate_user(ctx: RequestContext, user_id: int) -> User:
    return await update_user(ctx, user_id, UserChanges(active=False))


async def _new_password_hash(
    ctx: RequestContext, viewer: Viewer, user_id: int, changes: UserChanges
) -> str:
    """The new password checked and hashed; changing one's own needs the current one. Never
    through an API key: a stolen key must not become a stolen account."""
    assert isinstance(changes.password, str)
    if viewer.api_key:
        raise Forbidden("An API key cannot change passwords; log in as a person", field="password")
    password = new_password(changes.password)
    if user_id == viewer.user_id:
        if not isinstance(changes.current_password, str):
            raise BadInput("Give your current password to change it", field="currentPassword")
        async with ctx.db() as session:
            me = await session.get(User, user_id)
        if me is None:
            raise not_found("User", user_id)
        await confirm_password(ctx, me, changes.current_password, "currentPassword")
    return await asyncio.to_thread(hash_password, password)


async def _end_other_sessions(session: AsyncSession, viewer: Viewer, user_id: int) -> None:
    """A new password ends every session it did not start: one's own other tokens (whoever
    holds them), or all of the user's when an admin sets it; their sockets close too. The
    user's API keys stay: no password made them."""
    keep = viewer.token_id if user_id == viewer.user_id else None
    revoked = await revoke_user_tokens(session, user_id, except_token_id=keep, keep_api_keys=True)
    if revoked:
        await record_revocation(session, actor_id=viewer.user_id, token_ids=revoked)


def _changes_standing(changes: UserChanges) -> bool:
    return given(changes.department_id) or given(changes.is_admin)


def _touches_admin_fields(changes: UserChanges) -> bool:
    return any(given(value) for value in (changes.is_admin, changes.active, changes.department_id))


async def _require_department(session: AsyncSession, department_id: int) -> None:
    if await session.get(Department, department_id) is None:
        raise not_found("Department", department_id, "departmentId")


async def _commit_unique_email(session: AsyncSession, email: str) -> None:
    try:
        await session.commit()
    except IntegrityError as error:
        await session.rollback()
        raise Conflict(f"A user with e-mail {email} already exists", field="email") from error
