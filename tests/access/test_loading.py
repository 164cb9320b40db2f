"""Loading a policy costs one statement however many roles and grants; a record's `access`
and envelopes read from the database agree with the in-memory checks."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.applications import Starlette

from auth.policy import CompiledPolicy, Envelope, RoleGrants
from auth.policy.epoch import bump_policy_epoch
from models import (
    ANY_SCOPE,
    AccessAction,
    AccessLevel,
    FieldRule,
    FieldRuleKind,
    Role,
    RoleAssignment,
    RolePermission,
    RuleScope,
    SessionFactory,
    StageTransition,
)
from models.crm import CrmEntity, Deal
from resolvers.access.envelopes import (
    department_paths_by_user_id,
    envelope_from,
    envelope_of,
    envelopes_by_id,
)
from resolvers.access.loading import compile_policy, load_role_grants
from resolvers.context import RequestContext
from schema.access import RecordAccess
from tests.access.world import World, build_world
from tests.statements import count_statements


async def add_roles(
    session_factory: SessionFactory, world: World, count: int, *, start: int = 0
) -> None:
    """``count`` roles with every permission, a field rule and a move; held half by the
    viewer, half by the viewer's department."""
    stages = list(world.stages.values())
    async with session_factory() as session:
        for index in range(start, start + count):
            role = Role(name=f"Role {index}", description="")
            session.add(role)
            await session.flush()
            session.add_all(
                RolePermission(
                    role_id=role.id,
                    entity=entity,
                    action=action,
                    scope=ANY_SCOPE,
                    level=AccessLevel.OWN,
                )
                for entity in CrmEntity
                for action in AccessAction
            )
            session.add(
                FieldRule(
                    role_id=role.id,
                    entity=CrmEntity.DEAL,
                    field="amount",
                    scope=ANY_SCOPE,
                    rule=FieldRuleKind.HIDDEN,
                )
            )
            session.add(
                StageTransition(
                    role_id=role.id,
                    pipeline_id=world.pipeline_id,
                    from_stage_id=stages[0],
                    to_stage_id=stages[1],
                )
            )
            holder = (
                {"user_id": world.viewer.user_id}
                if index % 2
                else {"department_id": world.departments["sales"].id}
            )
            session.add(RoleAssignment(role_id=role.id, **holder))
        await bump_policy_epoch(session)
        await session.commit()


async def statements_to_compile(
    engine: AsyncEngine, session_factory: SessionFactory, world: World
) -> tuple[int, CompiledPolicy]:
    async with session_factory() as session:
        with count_statements(engine) as log:
            policy = await compile_policy(session, world.viewer)
    return log.count, policy


async def test_compiling_a_policy_is_one_statement_whatever_the_roles(
    engine: AsyncEngine, session_factory: SessionFactory
) -> None:
    world = await build_world(session_factory)
    await add_roles(session_factory, world, 1)
    first_count, first = await statements_to_compile(engine, session_factory, world)

    await add_roles(session_factory, world, 9, start=1)
    async with session_factory() as session:
        session.add(Role(name="Held by nobody", description=""))
        await session.commit()
    count, policy = await statements_to_compile(engine, session_factory, world)

    assert first_count == count == 1
    assert len(first.roles) == 1
    assert len(policy.roles) == 10
    grants = policy.roles[0]
    assert len(grants.levels) == len(CrmEntity) * len(AccessAction)
    assert grants.field_rules == {(CrmEntity.DEAL, "amount", ANY_SCOPE): FieldRuleKind.HIDDEN}
    assert grants.transitions == {
        world.pipeline_id: frozenset({(world.stages["New"], world.stages["Preparation"])})
    }


async def test_roles_of_other_users_and_departments_are_not_loaded(
    session_factory: SessionFactory,
) -> None:
    world = await build_world(session_factory)
    await add_roles(session_factory, world, 2)
    async with session_factory() as session:
        colleague = world.users["other"]
        other_path = world.departments["other"].path
        assert await load_role_grants(session, colleague.id, other_path) == []
        # A member of North inherits the Sales department's role, not the viewer's own.
        north = world.users["sub"]
        inherited = await load_role_grants(session, north.id, world.departments["north"].path)
        assert [role.name for role in inherited] == ["Role 0"]


async def test_envelopes_from_the_database_match_the_world(session_factory: SessionFactory) -> None:
    world = await build_world(session_factory)
    for entity in CrmEntity:
        expected = world.by_id(entity)
        async with session_factory() as session:
            loaded = await envelopes_by_id(session, entity, list(expected))
        assert loaded == {record_id: record.envelope for record_id, record in expected.items()}


async def test_record_access_tells_a_ui_what_it_may_do(session_factory: SessionFactory) -> None:
    world = await build_world(session_factory)
    manager = RoleGrants(
        1,
        "Manager",
        {
            (CrmEntity.DEAL, AccessAction.READ, ANY_SCOPE): AccessLevel.ALL,
            (CrmEntity.DEAL, AccessAction.UPDATE, ANY_SCOPE): AccessLevel.OWN,
        },
        {
            (CrmEntity.DEAL, "amount", RuleScope.of_status(world.stages["Won"])): (
                FieldRuleKind.READ_ONLY
            )
        },
    )
    policy = CompiledPolicy(world.viewer, [manager])
    won = Envelope(
        CrmEntity.DEAL,
        world.viewer.user_id,
        world.viewer.department_path,
        False,
        world.stages["Won"],
    )
    access = RecordAccess.of(policy, won)
    assert (access.can_update, access.can_delete) == (True, False)
    assert (access.hidden_fields, access.read_only_fields) == ([], ["amount"])


async def test_the_envelope_of_a_changed_row_is_what_it_will_be(
    session_factory: SessionFactory,
) -> None:
    world = await build_world(session_factory)
    deal_id = world.records[CrmEntity.DEAL][0].id
    async with session_factory() as session:
        deal = await session.get(Deal, deal_id)
        assert deal is not None
        deal.stage_id = world.stages["Won"]
        deal.assigned_to_id = world.users["sub"].id
        deal.opened = True
        envelope = await envelope_of(session, deal)
    assert envelope == Envelope(
        CrmEntity.DEAL,
        world.users["sub"].id,
        world.departments["north"].path,
        True,
        world.stages["Won"],
    )


async def test_a_page_of_records_gets_its_envelopes_in_one_statement(
    session_factory: SessionFactory, app: Starlette
) -> None:
    world = await build_world(session_factory)
    async with session_factory() as session:
        deals = list(await session.scalars(select(Deal).order_by(Deal.id)))
    ctx = RequestContext(services=app.state.services, viewer=world.viewer)
    try:
        with count_statements(app.state.engine) as log:
            paths = await ctx.loader(department_paths_by_user_id).load_many(
                [deal.assigned_to_id for deal in deals]
            )
    finally:
        await ctx.close()
    assert log.count == 1
    envelopes = [envelope_from(deal, path) for deal, path in zip(deals, paths, strict=True)]
    assert envelopes == [record.envelope for record in world.records[CrmEntity.DEAL]]
