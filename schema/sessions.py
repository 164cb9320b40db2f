"""GraphQL for logging in and out."""

from __future__ import annotations

from typing import Annotated

import strawberry

from resolvers import sessions
from schema.context import Info
from schema.users import User


@strawberry.type(description="A new session: its bearer token and who it belongs to.")
class AuthPayload:
    token: str = strawberry.field(
        description="Send as 'Authorization: Bearer <token>' (or as `Authorization` in the "
        "websocket's connection_init payload). Valid until it expires, or until logout, a "
        "password change or the user's deactivation revokes it."
    )
    user: User = strawberry.field(description="The user now logged in.")


@strawberry.type
class SessionMutations:
    @strawberry.mutation(
        description="The only operation open without a token. A wrong e-mail or password "
        "answers UNAUTHENTICATED (which of the two is not said); repeated failures answer "
        "RATE_LIMITED for a few minutes."
    )
    async def login(
        self,
        info: Info,
        email: Annotated[str, strawberry.argument(description="The login; case is ignored.")],
        password: Annotated[str, strawberry.argument(description="The user's password.")],
    ) -> AuthPayload:
        result = await sessions.login(info.context, email, password)
        return AuthPayload(token=result.token, user=User.of(result.user))

    @strawberry.mutation(
        description="Revokes the token this request came with; its open subscriptions close "
        "with code 4401. Always true."
    )
    async def logout(self, info: Info) -> bool:
        return await sessions.logout(info.context)
