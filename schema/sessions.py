"""GraphQL for logging in and out."""

from __future__ import annotations

import strawberry

from resolvers import sessions
from schema.context import Info
from schema.users import User


@strawberry.type
class AuthPayload:
    token: str = strawberry.field(description="Send as 'Authorization: Bearer <token>'.")
    user: User


@strawberry.type
class SessionMutations:
    @strawberry.mutation(description="The only operation open without a token.")
    async def login(self, info: Info, email: str, password: str) -> AuthPayload:
        result = await sessions.login(info.context, email, password)
        return AuthPayload(token=result.token, user=User.of(result.user))

    @strawberry.mutation(description="Revokes the token this request came with.")
    async def logout(self, info: Info) -> bool:
        return await sessions.logout(info.context)
