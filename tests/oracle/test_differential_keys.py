"""API keys against the oracle: a key reads what its user reads, and a key limited to a role
what its user would read holding that role only (no other role, inherited or direct, and no
admin right), for every user of generated populations."""

from __future__ import annotations

import secrets

from hypothesis import given
from sqlalchemy import select

from auth.tokens import token_hash
from crmhub.settings import Settings
from models import API_KEY_MARK, NEVER, ApiKey, AuthToken, Role, SessionFactory
from tests.oracle.domain import Population
from tests.oracle.domain import Role as RoleSpec
from tests.oracle.model import Oracle
from tests.oracle.population import populations
from tests.oracle.world import LISTS, ORACLE_SETTINGS, MakeWorld, World, connection


class KeyOracle(Oracle):
    """The oracle for one user holding one role only, as a key limited to that role does."""

    def __init__(self, population: Population, key_user: int, role: RoleSpec) -> None:
        super().__init__(population)
        self.key_user = key_user
        self.role = role

    def is_admin(self, user: int) -> bool:
        return user != self.key_user and super().is_admin(user)

    def roles_of(self, user: int) -> list[RoleSpec]:
        return [self.role] if user == self.key_user else super().roles_of(user)


async def mint_key(
    session_factory: SessionFactory, settings: Settings, user_id: int, role_id: int | None
) -> str:
    """A key as createApiKey makes one, minted directly (the oracle needs dozens)."""
    prefix = f"{API_KEY_MARK}{secrets.token_hex(6)}"
    raw = f"{prefix}_{secrets.token_urlsafe(16)}"
    async with session_factory() as session:
        token = AuthToken(
            token_hash=token_hash(raw, settings.token_secret), user_id=user_id, expires_at=NEVER
        )
        session.add(token)
        await session.flush()
        session.add(ApiKey(token_id=token.id, name="oracle", prefix=prefix, role_id=role_id))
        await session.commit()
    return raw


async def assert_reads_as(world: World, oracle: Oracle, user: int, key: str) -> None:
    viewer = world.clients[0].as_user(key)
    for entity, field in LISTS.items():
        found = await connection(viewer, field, "id access { hiddenFields }")
        expected = {world.loaded.gid(entity, i) for i in oracle.readable_refs(user, entity)}
        nodes = [edge["node"] for edge in found["edges"]]
        assert {node["id"] for node in nodes} == expected, (user, field)
        for node in nodes:
            (index,) = world.loaded.index_of(entity, [node["id"]])
            hidden = oracle.hidden_fields(user, (entity, index))
            assert set(node["access"]["hiddenFields"]) == hidden, (user, entity, index)


@ORACLE_SETTINGS
@given(population=populations())
async def test_keys_read_as_their_user_or_their_one_role(
    make_world: MakeWorld,
    session_factory: SessionFactory,
    settings: Settings,
    population: Population,
) -> None:
    world = await make_world(population)
    async with session_factory() as session:
        role_ids = dict((await session.execute(select(Role.name, Role.id))).tuples().all())
    for user, user_id in enumerate(world.loaded.ids["USER"]):
        key = await mint_key(session_factory, settings, user_id, None)
        await assert_reads_as(world, world.oracle, user, key)
        for index, role in enumerate(population.roles):
            limited = await mint_key(session_factory, settings, user_id, role_ids[f"Role {index}"])
            await assert_reads_as(world, KeyOracle(population, user, role), user, limited)
