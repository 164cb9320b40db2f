"""Opaque bearer tokens, stored as keyed hashes and revocable at any time."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import replace
from datetime import timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from auth.viewer import Viewer
from models import (
    API_KEY_MARK,
    NEVER,
    POLICY_EPOCH_ID,
    ApiKey,
    AuthToken,
    Department,
    PolicyEpoch,
    User,
    utcnow,
)

BEARER_PREFIX = "bearer "
# Server-to-server clients may send their API key in this header instead (lower case).
API_KEY_HEADER = "x-api-key"


def token_hash(raw_token: str, secret: bytes) -> str:
    # The one-shot form: the same HMAC-SHA256 without an HMAC object per request.
    return hmac.digest(secret, raw_token.encode(), hashlib.sha256).hex()


def parse_authorization(header: str | None) -> str | None:
    """The raw token of an ``Authorization: Bearer …`` value, or None."""
    if not header or not header.lower().startswith(BEARER_PREFIX):
        return None
    token = header[len(BEARER_PREFIX) :].strip()
    return token or None


def as_bearer(api_key: str | None) -> str | None:
    """An ``X-API-Key`` value as the ``Authorization`` value it stands for."""
    return f"Bearer {api_key}" if api_key else None


async def issue_token(session: AsyncSession, user_id: int, secret: bytes, ttl: timedelta) -> str:
    raw = secrets.token_urlsafe(32)
    while raw.startswith(API_KEY_MARK):  # that mark says "API key" (see authenticate)
        raw = secrets.token_urlsafe(32)
    session.add(
        AuthToken(token_hash=token_hash(raw, secret), user_id=user_id, expires_at=utcnow() + ttl)
    )
    return raw


async def authenticate(session: AsyncSession, raw_token: str, secret: bytes) -> Viewer | None:
    """The viewer a token belongs to, if it is live and its user active; one statement,
    which also reads the policy epoch so that policy changes cost no extra statement."""
    viewer = await _live_token(session, _BY_HASH, token_hash=token_hash(raw_token, secret))
    # A key's token whose key row is gone (its role deleted) must not act as its whole user.
    if viewer is None or raw_token.startswith(API_KEY_MARK) != viewer.api_key:
        return None
    return viewer


async def authenticate_id(session: AsyncSession, token_id: int, user_id: int) -> Viewer | None:
    """The viewer of the token with this id, if it is still live, its user active and
    ``user_id``: what a link issued under that token (an export's) acts as. Logging out,
    revoking the key or deactivating the user ends the link too."""
    viewer = await _live_token(session, _BY_ID, token_id=token_id)
    return viewer if viewer is not None and viewer.user_id == user_id else None


def _live_token_statement(which: ColumnElement[bool]) -> Select[Any]:
    """The live token chosen by ``which``, with its user, department, key and the policy
    epoch; ``now`` bound at execution. Built once: a request only binds its values."""
    epoch = select(PolicyEpoch.epoch).where(PolicyEpoch.id == POLICY_EPOCH_ID).scalar_subquery()
    return (
        select(
            AuthToken.id,
            AuthToken.expires_at,
            User.id,
            User.is_admin,
            User.department_id,
            Department.path,
            epoch,
            ApiKey.token_id,
            ApiKey.role_id,
        )
        .join(User, User.id == AuthToken.user_id)
        .outerjoin(Department, Department.id == User.department_id)
        .outerjoin(ApiKey, ApiKey.token_id == AuthToken.id)
        .where(
            which,
            AuthToken.revoked_at.is_(None),
            AuthToken.expires_at > bindparam("now", type_=AuthToken.expires_at.type),
            User.active.is_(True),
        )
    )


_BY_HASH = _live_token_statement(AuthToken.token_hash == bindparam("token_hash"))
_BY_ID = _live_token_statement(AuthToken.id == bindparam("token_id"))


async def _live_token(
    session: AsyncSession, statement: Select[Any], **key: object
) -> Viewer | None:
    row = (await session.execute(statement, {"now": utcnow(), **key})).one_or_none()
    if row is None:
        return None
    token_id, expires_at, user_id, is_admin, department_id, path, policy_epoch, key, role = row
    return Viewer(
        user_id=user_id,
        is_admin=is_admin and role is None,
        department_id=department_id,
        department_path=path or "",
        token_id=token_id,
        # No epoch row yet (a database emptied by hand): nothing has changed since epoch 0.
        policy_epoch=policy_epoch or 0,
        token_expires_at=None if expires_at >= NEVER else expires_at,
        api_key=key is not None,
        role_limit=role,
    )


async def current_standing(session: AsyncSession, viewer: Viewer) -> Viewer | None:
    """The same viewer as they stand now (department, admin right, policy epoch), for an
    open subscription after a change of rights; None once the user is inactive."""
    epoch = select(PolicyEpoch.epoch).where(PolicyEpoch.id == POLICY_EPOCH_ID).scalar_subquery()
    row = (
        await session.execute(
            select(User.is_admin, User.department_id, Department.path, epoch)
            .outerjoin(Department, Department.id == User.department_id)
            .where(User.id == viewer.user_id, User.active.is_(True))
        )
    ).one_or_none()
    if row is None:
        return None
    is_admin, department_id, path, policy_epoch = row
    return replace(
        viewer,
        is_admin=is_admin and viewer.role_limit is None,
        department_id=department_id,
        department_path=path or "",
        policy_epoch=policy_epoch or 0,
    )


async def revoke_token(session: AsyncSession, token_id: int) -> None:
    await revoke_tokens(session, [token_id])


async def revoke_tokens(session: AsyncSession, token_ids: list[int]) -> None:
    await session.execute(
        update(AuthToken)
        .where(AuthToken.id.in_(token_ids), AuthToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


async def revoke_user_tokens(
    session: AsyncSession,
    user_id: int,
    *,
    except_token_id: int | None = None,
    keep_api_keys: bool = False,
) -> list[int]:
    """Revokes the user's live tokens (but ``except_token_id``, and with ``keep_api_keys``
    the user's API keys, which are the admin's to revoke); returns the ids revoked."""
    live = [AuthToken.user_id == user_id, AuthToken.revoked_at.is_(None)]
    if except_token_id is not None:
        live.append(AuthToken.id != except_token_id)
    if keep_api_keys:
        live.append(AuthToken.id.not_in(select(ApiKey.token_id)))
    revoked = await session.scalars(
        update(AuthToken).where(*live).values(revoked_at=utcnow()).returning(AuthToken.id)
    )
    return list(revoked)
