"""API keys for server-to-server clients: issued by an admin for a user (optionally limited
to one role), shown once, stored hashed like login tokens, revocable, with their last use.

A key is a login token (auth/tokens.py) with an ``api_keys`` row: every check of a token is
the check of a key, and revoking one closes its sockets as logging out does.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Row, Select, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from auth.tokens import revoke_tokens, token_hash
from auth.viewer import Viewer
from models import API_KEY_MARK, NEVER, ApiKey, AuthToken, Role, User, utcnow
from resolvers.context import RequestContext
from resolvers.errors import BadInput, Forbidden, NotFound
from resolvers.validation import text
from subscriptions.control import record_revocation

MAX_NAME = 100
# Last use is written at most this often per key: a busy integration must not write per call.
LAST_USED_GRANULARITY = timedelta(minutes=1)
# How many keys `apiKeys` lists at most; a company issues a handful per integration.
MAX_LISTED = 500


@dataclass(frozen=True)
class NewApiKey:
    name: str
    user_id: int
    role_id: int | None = None
    expires_at: datetime | None = None


@dataclass(frozen=True)
class ApiKeyRecord:
    id: int
    name: str
    prefix: str
    user_id: int
    role_id: int | None
    created_by_id: int | None
    created_at: datetime
    last_used_at: datetime | None
    expires_at: datetime | None
    revoked_at: datetime | None


async def create_api_key(ctx: RequestContext, new: NewApiKey) -> tuple[str, ApiKeyRecord]:
    """The raw key (the only time it is seen) and what is kept of it."""
    admin = _require_person_admin(ctx, "create API keys")
    name = text(new.name, "name", max_length=MAX_NAME)
    if new.expires_at is not None and new.expires_at <= utcnow():
        raise BadInput("'expiresAt' must be in the future", field="expiresAt")
    prefix = f"{API_KEY_MARK}{secrets.token_hex(6)}"
    raw = f"{prefix}_{secrets.token_urlsafe(32)}"
    async with ctx.db() as session:
        user = await session.get(User, new.user_id)
        if user is None or not user.active:
            raise NotFound("No active user with that id", field="userId")
        if new.role_id is not None and await session.get(Role, new.role_id) is None:
            raise NotFound("No role with that id", field="roleId")
        token = AuthToken(
            token_hash=token_hash(raw, ctx.services.auth.token_secret),
            user_id=user.id,
            expires_at=new.expires_at or NEVER,
        )
        session.add(token)
        await session.flush()
        session.add(
            ApiKey(
                token_id=token.id,
                name=name,
                prefix=prefix,
                role_id=new.role_id,
                created_by_id=admin.user_id,
            )
        )
        await session.commit()
        return raw, await _one(session, token.id)


async def get_api_key(ctx: RequestContext, key_id: int) -> ApiKeyRecord:
    ctx.require_admin()
    async with ctx.db() as session:
        row = (await session.execute(_records().where(ApiKey.token_id == key_id))).one_or_none()
    if row is None:
        raise NotFound("No API key with that id", field="id")
    return _record(row)


async def list_api_keys(ctx: RequestContext, include_revoked: bool) -> list[ApiKeyRecord]:
    ctx.require_admin()
    query = _records().order_by(ApiKey.token_id).limit(MAX_LISTED)
    if not include_revoked:
        query = query.where(AuthToken.revoked_at.is_(None))
    async with ctx.db() as session:
        return [_record(row) for row in (await session.execute(query)).all()]


async def revoke_api_key(ctx: RequestContext, key_id: int) -> ApiKeyRecord:
    """Revoked at once, on every process; its open sockets close with 4401."""
    admin = _require_person_admin(ctx, "revoke API keys")
    async with ctx.db() as session:
        if await session.get(ApiKey, key_id) is None:
            raise NotFound("No API key with that id", field="id")
        await _revoke(session, [key_id], admin.user_id)
        await session.commit()
        return await _one(session, key_id)


async def revoke_role_keys(session: AsyncSession, role_id: int, actor_id: int) -> None:
    """Keys limited to a role die with it: without the role they would have no rights."""
    keys = list(await session.scalars(select(ApiKey.token_id).where(ApiKey.role_id == role_id)))
    if keys:
        await _revoke(session, keys, actor_id)


async def note_key_use(session: AsyncSession, viewer: Viewer) -> None:
    """Stamps the key's last use, at most once per LAST_USED_GRANULARITY."""
    now = utcnow()
    await session.execute(
        update(ApiKey)
        .where(
            ApiKey.token_id == viewer.token_id,
            or_(ApiKey.last_used_at.is_(None), ApiKey.last_used_at < now - LAST_USED_GRANULARITY),
        )
        .values(last_used_at=now)
    )
    await session.commit()


def _require_person_admin(ctx: RequestContext, doing: str) -> Viewer:
    admin = ctx.require_admin()
    if admin.api_key:
        raise Forbidden(f"An API key cannot {doing}; log in as an administrator")
    return admin


async def _revoke(session: AsyncSession, key_ids: list[int], actor_id: int) -> None:
    await revoke_tokens(session, key_ids)
    await record_revocation(session, actor_id=actor_id, token_ids=key_ids)


def _records() -> Select[Any]:
    return select(
        ApiKey.token_id,
        ApiKey.name,
        ApiKey.prefix,
        AuthToken.user_id,
        ApiKey.role_id,
        ApiKey.created_by_id,
        ApiKey.created_at,
        ApiKey.last_used_at,
        AuthToken.expires_at,
        AuthToken.revoked_at,
    ).join(AuthToken, AuthToken.id == ApiKey.token_id)


async def _one(session: AsyncSession, key_id: int) -> ApiKeyRecord:
    return _record((await session.execute(_records().where(ApiKey.token_id == key_id))).one())


def _record(row: Row[Any]) -> ApiKeyRecord:
    record = ApiKeyRecord(*row)
    if record.expires_at is not None and record.expires_at >= NEVER:
        return replace(record, expires_at=None)
    return record
