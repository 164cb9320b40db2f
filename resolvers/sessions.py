"""Logging in and out, and checking a logged-in user's password again, with throttling of
repeated failures (resolvers/login_throttle.py)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from auth.passwords import verify_password
from auth.policy import CompiledPolicy
from auth.tokens import authenticate, issue_token, revoke_token
from auth.viewer import Viewer
from models import User
from resolvers.access.loading import policy_for
from resolvers.api_keys import note_key_use
from resolvers.context import RequestContext, Services
from resolvers.errors import Forbidden, RateLimited, Unauthenticated
from resolvers.login_throttle import forgive_attempt, reserve_attempt
from resolvers.validation import MAX_EMAIL_LENGTH
from subscriptions.control import record_revocation

THROTTLED = "Too many failed logins; wait a few minutes and try again"


@dataclass(frozen=True)
class LoginResult:
    token: str
    user: User


async def login(ctx: RequestContext, email: str, password: str) -> LoginResult:
    """Known and unknown e-mails cost the same: one reservation, one argon2 verification."""
    email = email.strip().lower()[:MAX_EMAIL_LENGTH]
    config = ctx.services.auth
    await _reserve(ctx, email)
    async with ctx.db() as session:
        user = await session.scalar(select(User).where(User.email == email))
    matches = await _verified(user.password_hash if user else None, password)
    if user is None or not matches or not user.active:
        # The reservation stays: it is this failure's count.
        raise Unauthenticated("Wrong e-mail or password")
    async with ctx.db() as session:
        token = await issue_token(session, user.id, config.token_secret, config.token_ttl)
        await forgive_attempt(session, email, ctx.client_address)
        await session.commit()
    return LoginResult(token=token, user=user)


async def confirm_password(ctx: RequestContext, user: User, password: str, field: str) -> None:
    """FORBIDDEN unless ``password`` is ``user``'s: asked before a change as grave as a new
    password, and counted like a login, so that a stolen token cannot guess faster."""
    await _reserve(ctx, user.email)
    if not await _verified(user.password_hash, password):
        raise Forbidden("The current password is wrong", field=field)
    async with ctx.db() as session:
        await forgive_attempt(session, user.email, ctx.client_address)
        await session.commit()


async def _reserve(ctx: RequestContext, email: str) -> None:
    async with ctx.db() as session:
        if not await reserve_attempt(session, email, ctx.client_address, ctx.services.auth):
            raise RateLimited(THROTTLED)
        # Committed before the password is checked: concurrent attempts must see this one.
        await session.commit()


async def _verified(password_hash: str | None, password: str) -> bool:
    # argon2 takes tens of milliseconds of CPU: keep it off the event loop.
    return await asyncio.to_thread(verify_password, password_hash, password)


async def logout(ctx: RequestContext) -> bool:
    viewer = ctx.require_viewer()
    if viewer.api_key:
        raise Forbidden("An API key is not logged out: an administrator revokes it (revokeApiKey)")
    async with ctx.db() as session:
        await revoke_token(session, viewer.token_id)
        await record_revocation(session, actor_id=viewer.user_id, token_ids=[viewer.token_id])
        await session.commit()
    return True


async def viewer_for_token(services: Services, raw_token: str) -> Viewer | None:
    """Who a bearer token belongs to, checked afresh so revocation bites at once."""
    async with services.session_factory() as session:
        return await _checked(session, raw_token, services.auth.token_secret)


async def viewer_in_context(ctx: RequestContext, raw_token: str) -> Viewer | None:
    """The same check on the operation's own session: one pool checkout per request, not two.
    Still one statement per operation, so revocation bites on the next request."""
    async with ctx.db() as session:
        return await _checked(session, raw_token, ctx.services.auth.token_secret)


async def policy_in_context(ctx: RequestContext, viewer: Viewer) -> CompiledPolicy:
    """The viewer's policy; compiled, when the process has it not, on the operation's own
    session too."""
    async with ctx.db() as session:
        return await policy_for(ctx.services, viewer, session)


async def _checked(session: AsyncSession, raw_token: str, secret: bytes) -> Viewer | None:
    viewer = await authenticate(session, raw_token, secret)
    if viewer is not None and viewer.api_key:
        await note_key_use(session, viewer)
    return viewer
