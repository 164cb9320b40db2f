"""GraphQL for API keys: issued, listed and revoked by administrators."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

from resolvers import api_keys
from resolvers.access.roles import roles_by_id
from schema.access import Role
from schema.context import Info
from schema.relay import Node, decode_id, decode_optional_id, node_fetcher
from schema.users import User, load_user


@strawberry.type(
    description="A key for a server-to-server client. It acts as its user, with exactly that "
    "user's rights, or, when limited to a role, with that role's grants only and never as an "
    "administrator. Send it as `Authorization: Bearer <key>` or `X-API-Key: <key>` (or in a "
    "websocket's connection_init payload under either name). Its secret is shown once, when "
    "it is created; the hub keeps only a hash."
)
class ApiKey(Node):
    name: str = strawberry.field(description="What the key is for, as the admin named it.")
    prefix: str = strawberry.field(
        description="The key's first characters (`crmk_` and 12 hex digits), to tell keys apart "
        "in logs and lists; not a secret."
    )
    user_id: strawberry.Private[int]
    role_id: strawberry.Private[int | None]
    created_at: datetime = strawberry.field(description="When it was issued.")
    last_used_at: datetime | None = strawberry.field(
        description="When a request last came with it (to the minute); null if never."
    )
    expires_at: datetime | None = strawberry.field(
        description="When it stops working; null when it does not expire."
    )
    revoked_at: datetime | None = strawberry.field(
        description="When it was revoked; null while it is live."
    )

    @classmethod
    def of(cls, record: api_keys.ApiKeyRecord) -> ApiKey:
        return cls(
            pk=record.id,
            name=record.name,
            prefix=record.prefix,
            user_id=record.user_id,
            role_id=record.role_id,
            created_at=record.created_at,
            last_used_at=record.last_used_at,
            expires_at=record.expires_at,
            revoked_at=record.revoked_at,
        )

    @strawberry.field(description="Whom the key acts as.")
    async def user(self, info: Info) -> User | None:
        return await load_user(info, self.user_id)

    @strawberry.field(description="The one role it is limited to; null when it has the user's.")
    async def role(self, info: Info) -> Role | None:
        if self.role_id is None:
            return None
        row = await info.context.loader(roles_by_id).load(self.role_id)
        return Role.of(row) if row else None


@strawberry.type(description="A new API key and its secret, which is never shown again.")
class CreatedApiKey:
    key: str = strawberry.field(
        description="The whole key: store it now, in the client's secret store. The hub cannot "
        "show it again; a lost key is revoked and another created."
    )
    api_key: ApiKey = strawberry.field(description="What the hub keeps of it.")


@strawberry.input(description="A new API key.")
class CreateApiKeyInput:
    name: str = strawberry.field(
        description=f"What it is for, up to {api_keys.MAX_NAME} characters."
    )
    user_id: strawberry.ID = strawberry.field(
        description="The active user it acts as; records it creates are theirs."
    )
    role_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="Limit it to this role's grants (the user's own roles then do not count, "
        "nor their admin right); null for exactly the user's rights.",
    )
    expires_at: datetime | None = strawberry.field(
        default=None, description="When it stops working; null for never."
    )


@node_fetcher("ApiKey")
async def fetch_api_key(info: Info, pk: int) -> ApiKey:
    return ApiKey.of(await api_keys.get_api_key(info.context, pk))


@strawberry.type
class ApiKeyQueries:
    @strawberry.field(
        description=f"Admin only: the API keys, oldest first (at most {api_keys.MAX_LISTED})."
    )
    async def api_keys(
        self,
        info: Info,
        include_revoked: Annotated[
            bool, strawberry.argument(description="Also the revoked ones.")
        ] = False,
    ) -> list[ApiKey]:
        records = await api_keys.list_api_keys(info.context, include_revoked)
        return [ApiKey.of(record) for record in records]


@strawberry.type
class ApiKeyMutations:
    @strawberry.mutation(
        description="Admin only, and not through an API key: issues a key. The answer holds "
        "the secret; nothing else ever will."
    )
    async def create_api_key(
        self,
        info: Info,
        input: Annotated[CreateApiKeyInput, strawberry.argument(description="The new key.")],
    ) -> CreatedApiKey:
        new = api_keys.NewApiKey(
            name=input.name,
            user_id=decode_id(input.user_id, "User", "userId"),
            role_id=decode_optional_id(input.role_id, "Role", "roleId"),
            expires_at=input.expires_at,
        )
        raw, record = await api_keys.create_api_key(info.context, new)
        return CreatedApiKey(key=raw, api_key=ApiKey.of(record))

    @strawberry.mutation(
        description="Admin only, and not through an API key: revokes a key at once, on every "
        "process; its open subscriptions close with code 4401. Revoking it again changes "
        "nothing."
    )
    async def revoke_api_key(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="The key's ID.")],
    ) -> ApiKey:
        return ApiKey.of(await api_keys.revoke_api_key(info.context, decode_id(id, "ApiKey")))
