"""Logging in and out, with throttling of repeated failures."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from sqlalchemy import delete, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from auth.passwords import verify_password
from auth.tokens import authenticate, issue_token, revoke_token
from auth.viewer import Viewer
from models import LoginFailure, User, utcnow
from resolvers.context import AuthConfig, RequestContext, Services
from resolvers.errors import RateLimited, Unauthenticated
from resolvers.validation import MAX_EMAIL_LENGTH
from subscriptions.control import record_revocation


@dataclass(frozen=True)
class LoginResult:
    token: str
    user: User


async def login(ctx: RequestContext, email: str, password: str) -> LoginResult:
    email = email.strip().lower()[:MAX_EMAIL_LENGTH]
    config = ctx.services.auth
    async with ctx.db() as session:
        if await _throttled(session, email, ctx.client_address, config):
            raise RateLimited("Too many failed logins; wait a few minutes and try again")
        user = (await session.execute(select(User).where(User.email == email))).scalar_one_or_none()
        password_hash = user.password_hash if user is not None else None
        # argon2 takes tens of milliseconds of CPU: keep it off the event loop.
        matches = await asyncio.to_thread(verify_password, password_hash, password)
        if user is None or not matches or not user.active:
            session.add(LoginFailure(email=email, client_address=ctx.client_address))
            await session.commit()
            raise Unauthenticated("Wrong e-mail or password")
        token = await issue_token(session, user.id, config.token_secret, config.token_ttl)
        await session.execute(delete(LoginFailure).where(LoginFailure.email == email))
        await session.commit()
    return LoginResult(token=token, user=user)


async def logout(ctx: RequestContext) -> bool:
    viewer = ctx.require_viewer()
    async with ctx.db() as session:
        await revoke_token(session, viewer.token_id)
        await record_revocation(session, actor_id=viewer.user_id, token_ids=[viewer.token_id])
        await session.commit()
    return True


async def _throttled(
    session: AsyncSession, email: str, client_address: str, config: AuthConfig
) -> bool:
    since = utcnow() - config.login_failure_window
    # Old failures are of no further use: prune them as we go.
    await session.execute(delete(LoginFailure).where(LoginFailure.failed_at < since))
    by_email, by_address = (
        await session.execute(
            select(
                func.count().filter(LoginFailure.email == email),
                func.count().filter(LoginFailure.client_address == client_address),
            ).where(
                LoginFailure.failed_at >= since,
                or_(LoginFailure.email == email, LoginFailure.client_address == client_address),
            )
        )
    ).one()
    return bool(
        by_email >= config.login_failures_per_email
        or by_address >= config.login_failures_per_address
    )


async def viewer_for_token(services: Services, raw_token: str) -> Viewer | None:
    """Who a bearer token belongs to, checked afresh so revocation bites at once."""
    async with services.session_factory() as session:
        return await authenticate(session, raw_token, services.auth.token_secret)


async def viewer_in_context(ctx: RequestContext, raw_token: str) -> Viewer | None:
    """The same check on the operation's own session: one pool checkout per request, not two.
    Still one statement per operation, so revocation bites on the next request."""
    async with ctx.db() as session:
        return await authenticate(session, raw_token, ctx.services.auth.token_secret)
