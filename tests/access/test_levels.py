"""Every level, action and entity, judged in SQL (both forms) and in memory, which must agree."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import ColumnElement, and_, func, not_, select

from auth.policy import CompiledPolicy, RoleGrants
from auth.viewer import Viewer
from models import ANY_SCOPE, AccessAction, AccessLevel, RuleScope, SessionFactory, User
from models.crm import CrmEntity, Deal
from tests.access.world import MODELS, OWNERS, Record, World, build_world

# The owners whose records each level reaches, for a viewer in Sales (Root ⊃ Sales ⊃ North,
# Root ⊃ Other); OPEN adds every opened record.
REACHED_OWNERS: dict[AccessLevel, set[str]] = {
    AccessLevel.NONE: set(),
    AccessLevel.OWN: {"self"},
    AccessLevel.DEPARTMENT: {"self", "colleague"},
    AccessLevel.SUBDEPARTMENTS: {"self", "colleague", "sub"},
    AccessLevel.OPEN: {"self", "colleague", "sub"},
    AccessLevel.ALL: set(OWNERS),
}


def expected(world: World, entity: CrmEntity, level: AccessLevel) -> set[int]:
    return {
        record.id
        for record in world.records[entity]
        if record.owner in REACHED_OWNERS[level] or (level is AccessLevel.OPEN and record.opened)
    }


async def sql_ids(
    session_factory: SessionFactory,
    policy: CompiledPolicy,
    entity: CrmEntity,
    action: AccessAction,
    *,
    bulk: bool = False,
) -> set[int]:
    model = MODELS[entity]
    async with session_factory() as session:
        where = policy.filter(entity, action, bulk=bulk)
        return set(await session.scalars(select(model.id).where(where)))


def memory_ids(
    world: World, policy: CompiledPolicy, entity: CrmEntity, action: AccessAction
) -> set[int]:
    return {record.id for record in world.records[entity] if policy.allows(action, record.envelope)}


@pytest.mark.parametrize("level", list(AccessLevel), ids=lambda level: level.value)
@pytest.mark.parametrize("action", list(AccessAction), ids=lambda action: action.value)
@pytest.mark.parametrize("entity", list(CrmEntity), ids=lambda entity: entity.value)
async def test_level_reaches_the_same_records_in_sql_and_in_memory(
    session_factory: SessionFactory,
    entity: CrmEntity,
    action: AccessAction,
    level: AccessLevel,
) -> None:
    world = await build_world(session_factory)
    role = RoleGrants(1, "role", {(entity, action, ANY_SCOPE): level})
    policy = CompiledPolicy(world.viewer, [role])

    reached = await sql_ids(session_factory, policy, entity, action)

    assert reached == expected(world, entity, level)
    # The form for counts and IN over every record selects the same rows.
    assert await sql_ids(session_factory, policy, entity, action, bulk=True) == reached
    assert memory_ids(world, policy, entity, action) == reached
    for other_action in AccessAction:
        if other_action is not action:
            assert not await sql_ids(session_factory, policy, entity, other_action)
            assert not memory_ids(world, policy, entity, other_action)


async def test_a_viewer_without_department_reaches_only_own_and_opened_records(
    session_factory: SessionFactory,
) -> None:
    world = await build_world(session_factory)
    homeless = Viewer(
        user_id=world.viewer.user_id,
        is_admin=False,
        department_id=None,
        department_path="",
        token_id=0,
    )
    # Without a department, DEPARTMENT and SUBDEPARTMENTS shrink to OWN, OPEN to own or opened.
    reaches: dict[AccessLevel, Callable[[Record], bool]] = {
        AccessLevel.NONE: lambda record: False,
        AccessLevel.OWN: lambda record: record.owner == "self",
        AccessLevel.DEPARTMENT: lambda record: record.owner == "self",
        AccessLevel.SUBDEPARTMENTS: lambda record: record.owner == "self",
        AccessLevel.OPEN: lambda record: record.owner == "self" or record.opened,
        AccessLevel.ALL: lambda record: True,
    }
    for level, reached_by_level in reaches.items():
        role = RoleGrants(1, "role", {(CrmEntity.DEAL, AccessAction.READ, ANY_SCOPE): level})
        policy = CompiledPolicy(homeless, [role])
        reached = await sql_ids(session_factory, policy, CrmEntity.DEAL, AccessAction.READ)
        assert reached == {
            record.id for record in world.records[CrmEntity.DEAL] if reached_by_level(record)
        }
        assert memory_ids(world, policy, CrmEntity.DEAL, AccessAction.READ) == reached


async def test_administrators_bypass_every_rule(session_factory: SessionFactory) -> None:
    world = await build_world(session_factory)
    admin = Viewer(
        user_id=world.viewer.user_id,
        is_admin=True,
        department_id=None,
        department_path="",
        token_id=0,
    )
    policy = CompiledPolicy(admin, [])
    for entity in CrmEntity:
        for action in AccessAction:
            everything = {record.id for record in world.records[entity]}
            assert await sql_ids(session_factory, policy, entity, action) == everything
            assert memory_ids(world, policy, entity, action) == everything


def _by_department(policy: CompiledPolicy) -> ColumnElement[bool]:
    """The department form of the deals' READ filter on the deals themselves."""
    department = func.coalesce(
        select(User.department_id).where(User.id == Deal.assigned_to_id).scalar_subquery(), 0
    )
    return policy.filter_by_department(
        CrmEntity.DEAL, AccessAction.READ, Deal.stage_id, department, Deal.opened
    )


@pytest.mark.parametrize("homeless", [False, True], ids=["in Sales", "without department"])
@pytest.mark.parametrize("level", list(AccessLevel), ids=lambda level: level.value)
async def test_the_department_form_and_own_records_reach_what_the_filter_reaches(
    session_factory: SessionFactory, level: AccessLevel, homeless: bool
) -> None:
    """``filter_by_department`` (what the funnel tallies per department read) is never NULL,
    and with the viewer's own records it admits makes up the READ filter exactly."""
    world = await build_world(session_factory, statuses=True)
    viewer = world.viewer
    if homeless:
        viewer = Viewer(viewer.user_id, False, None, "", token_id=0)
    # A different level on the won stage: the form keeps the filter's terms per stage.
    won = RuleScope.of_status(world.stages["Won"])
    role = RoleGrants(
        1,
        "role",
        {
            (CrmEntity.DEAL, AccessAction.READ, ANY_SCOPE): level,
            (CrmEntity.DEAL, AccessAction.READ, won): AccessLevel.SUBDEPARTMENTS,
        },
    )
    policy = CompiledPolicy(viewer, [role])
    reached = await sql_ids(session_factory, policy, CrmEntity.DEAL, AccessAction.READ, bulk=True)
    assert reached == memory_ids(world, policy, CrmEntity.DEAL, AccessAction.READ)
    by_department = _by_department(policy)
    own = and_(Deal.assigned_to_id == viewer.user_id, policy.read_filter(CrmEntity.DEAL))
    async with session_factory() as session:
        nulls = await session.scalar(
            select(func.count()).select_from(Deal).where(by_department.is_(None))
        )
        departments = set(await session.scalars(select(Deal.id).where(by_department)))
        owned = set(await session.scalars(select(Deal.id).where(own, not_(by_department))))
    assert nulls == 0
    assert not departments & owned
    assert departments | owned == reached
