"""Per-status levels, field rules over several roles, stage transitions and explanations."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import select

from auth.policy import CompiledPolicy, Envelope, RoleGrants
from models import ANY_SCOPE, AccessAction, AccessLevel, FieldRuleKind, RuleScope, SessionFactory
from models.crm import CrmEntity, Deal
from models.global_ids import global_id
from resolvers.access import checks
from resolvers.errors import Forbidden
from tests.access.world import World, build_world

READ, UPDATE = AccessAction.READ, AccessAction.UPDATE
DEAL = CrmEntity.DEAL


def intern(world: World) -> RoleGrants:
    """OWN for READ, but NONE in Won; deal amounts hidden."""
    return RoleGrants(
        1,
        "Intern",
        {
            (DEAL, READ, ANY_SCOPE): AccessLevel.OWN,
            (DEAL, READ, RuleScope.of_status(world.stages["Won"])): AccessLevel.NONE,
        },
        {(DEAL, "amount", ANY_SCOPE): FieldRuleKind.HIDDEN},
    )


async def visible_deals(session_factory: SessionFactory, policy: CompiledPolicy) -> set[int]:
    async with session_factory() as session:
        return set(await session.scalars(select(Deal.id).where(policy.read_filter(DEAL))))


def in_memory(world: World, policy: CompiledPolicy, action: AccessAction) -> set[int]:
    return {record.id for record in world.records[DEAL] if policy.allows(action, record.envelope)}


async def test_no_deal_in_a_stage_with_NONE_reaches_the_intern(
    session_factory: SessionFactory,
) -> None:
    world = await build_world(session_factory, statuses=True)
    policy = CompiledPolicy(world.viewer, [intern(world)])

    visible = await visible_deals(session_factory, policy)

    won = world.stages["Won"]
    assert visible == {
        record.id
        for record in world.records[DEAL]
        if record.owner == "self" and record.envelope.status_id != won
    }
    assert len({world.by_id(DEAL)[deal_id].envelope.status_id for deal_id in visible}) == 5
    assert in_memory(world, policy, READ) == visible


async def test_levels_are_the_highest_over_roles_status_by_status(
    session_factory: SessionFactory,
) -> None:
    world = await build_world(session_factory, statuses=True)
    won, lost = world.stages["Won"], world.stages["Lost"]
    closer = RoleGrants(
        2,
        "Closer",
        {
            (DEAL, READ, RuleScope.of_status(won)): AccessLevel.ALL,
            (DEAL, READ, RuleScope.of_status(lost)): AccessLevel.DEPARTMENT,
        },
    )
    policy = CompiledPolicy(world.viewer, [intern(world), closer])

    visible = await visible_deals(session_factory, policy)

    def reached(status_id: int | None, owner: str) -> bool:
        if status_id == won:
            return True
        if status_id == lost:
            return owner in {"self", "colleague"}
        return owner == "self"

    assert visible == {
        record.id
        for record in world.records[DEAL]
        if reached(record.envelope.status_id, record.owner)
    }
    assert in_memory(world, policy, READ) == visible
    assert policy.level(DEAL, READ, won) is AccessLevel.ALL
    assert policy.level(DEAL, READ, world.stages["New"]) is AccessLevel.OWN


def envelope(world: World, owner: str, stage: str = "New") -> Envelope:
    return Envelope(
        entity=DEAL,
        responsible_id=world.users[owner].id,
        responsible_department_path=world.departments[
            {"self": "sales", "colleague": "sales", "sub": "north", "other": "other"}[owner]
        ].path,
        opened=False,
        status_id=world.stages[stage],
    )


async def test_a_field_is_hidden_only_if_every_role_granting_read_hides_it(
    session_factory: SessionFactory,
) -> None:
    world = await build_world(session_factory)
    reader = RoleGrants(
        2,
        "Reader",
        {(DEAL, READ, ANY_SCOPE): AccessLevel.ALL},
        {(DEAL, "title", ANY_SCOPE): FieldRuleKind.HIDDEN},
    )
    policy = CompiledPolicy(world.viewer, [intern(world), reader])

    # Own deal: both roles grant READ; neither field is hidden by both.
    assert policy.hidden_fields(envelope(world, "self")) == frozenset()
    # Someone else's: only Reader grants READ, and it hides the title.
    assert policy.hidden_fields(envelope(world, "other")) == {"title"}
    # The intern alone: the amount of their own deal is hidden.
    alone = CompiledPolicy(world.viewer, [intern(world)])
    assert alone.hidden_fields(envelope(world, "self")) == {"amount"}


async def test_read_only_fields_follow_the_roles_granting_update_and_the_status(
    session_factory: SessionFactory,
) -> None:
    world = await build_world(session_factory)
    manager = RoleGrants(
        3,
        "Manager",
        {(DEAL, READ, ANY_SCOPE): AccessLevel.ALL, (DEAL, UPDATE, ANY_SCOPE): AccessLevel.OWN},
        {(DEAL, "amount", RuleScope.of_status(world.stages["Won"])): FieldRuleKind.READ_ONLY},
    )
    policy = CompiledPolicy(world.viewer, [manager])

    assert policy.read_only_fields(envelope(world, "self")) == frozenset()
    assert policy.read_only_fields(envelope(world, "self", "Won")) == {"amount"}
    # No role grants UPDATE on someone else's deal: nothing of it may change.
    assert "title" in policy.read_only_fields(envelope(world, "other"))
    assert policy.hidden_fields(envelope(world, "self", "Won")) == frozenset()


async def test_allowed_stages_need_update_before_and_after_and_a_permitted_move(
    session_factory: SessionFactory,
) -> None:
    world = await build_world(session_factory)
    stages = world.stages
    order = [stages[name] for name in ("New", "Preparation", "Proposal", "Won", "Lost")]
    free = RoleGrants(
        4,
        "Free mover",
        {
            (DEAL, UPDATE, ANY_SCOPE): AccessLevel.OWN,
            (DEAL, UPDATE, RuleScope.of_status(stages["Lost"])): AccessLevel.NONE,
        },
    )
    policy = CompiledPolicy(world.viewer, [free])
    own_new = envelope(world, "self")

    # No transition rows: any stage where UPDATE still holds after the move.
    assert policy.allowed_stages(world.pipeline_id, order, own_new) == [
        stages["Preparation"],
        stages["Proposal"],
        stages["Won"],
    ]
    assert policy.allowed_stages(world.pipeline_id, order, envelope(world, "other")) == []

    step = RoleGrants(
        5,
        "Step by step",
        {(DEAL, UPDATE, ANY_SCOPE): AccessLevel.ALL},
        transitions={
            world.pipeline_id: frozenset(
                {(stages["New"], stages["Preparation"]), (stages["Preparation"], stages["Lost"])}
            )
        },
    )
    stepper = CompiledPolicy(world.viewer, [step])
    assert stepper.allowed_stages(world.pipeline_id, order, own_new) == [stages["Preparation"]]
    at_preparation = replace(envelope(world, "other"), status_id=stages["Preparation"])
    assert stepper.allowed_stages(world.pipeline_id, order, at_preparation) == [stages["Lost"]]
    assert stepper.may_move(world.pipeline_id, stages["Lost"], at_preparation)
    assert not stepper.may_move(world.pipeline_id, stages["Won"], at_preparation)

    # Roles add up: the free mover's own deals move freely, others' step by step.
    both = CompiledPolicy(world.viewer, [free, step])
    assert stages["Won"] in both.allowed_stages(world.pipeline_id, order, own_new)
    other_new = envelope(world, "other")
    assert both.allowed_stages(world.pipeline_id, order, other_new) == [stages["Preparation"]]


async def test_explain_names_the_deciding_role_level_and_grant(
    session_factory: SessionFactory,
) -> None:
    world = await build_world(session_factory)
    reader = RoleGrants(2, "Reader", {(DEAL, READ, ANY_SCOPE): AccessLevel.DEPARTMENT})
    policy = CompiledPolicy(world.viewer, [intern(world), reader])

    own = policy.explain(READ, envelope(world, "self"))
    assert (own.allowed, own.role, own.level) == (True, "Reader", AccessLevel.DEPARTMENT)
    assert own.rule == "DEAL READ in any status"

    won = policy.explain(READ, envelope(world, "self", "Won"))
    assert (won.allowed, won.role, won.level) == (True, "Reader", AccessLevel.DEPARTMENT)

    alone = CompiledPolicy(world.viewer, [intern(world)])
    refused = alone.explain(READ, envelope(world, "self", "Won"))
    won_stage = global_id("DealStage", world.stages["Won"])
    assert (refused.allowed, refused.role, refused.level) == (False, "Intern", AccessLevel.NONE)
    assert refused.rule == f"DEAL READ in stage {won_stage}"
    assert refused.reason == f"DEAL READ in stage {won_stage} (role Intern) grants NONE"

    nothing = alone.explain(AccessAction.DELETE, envelope(world, "self"))
    assert (nothing.allowed, nothing.role, nothing.level) == (False, None, AccessLevel.NONE)
    assert nothing.reason.startswith("No role grants DELETE on DEAL")

    too_low = alone.explain(READ, envelope(world, "sub"))
    assert (too_low.allowed, too_low.role, too_low.level) == (False, "Intern", AccessLevel.OWN)
    assert too_low.reason == "OWN does not reach this record"


async def test_summary_lists_defaults_and_differing_statuses(
    session_factory: SessionFactory,
) -> None:
    world = await build_world(session_factory)
    summary = CompiledPolicy(world.viewer, [intern(world)]).summary()
    deal_reads = [row for row in summary if row.entity is DEAL and row.action is READ]
    assert [(row.status_id, row.level) for row in deal_reads] == [
        (None, AccessLevel.OWN),
        (world.stages["Won"], AccessLevel.NONE),
    ]
    assert len(summary) == len(CrmEntity) * len(AccessAction) + 1


async def test_write_checks_refuse_with_forbidden_naming_the_field(
    session_factory: SessionFactory,
) -> None:
    world = await build_world(session_factory)
    stages = world.stages
    manager = RoleGrants(
        3,
        "Manager",
        {
            (DEAL, UPDATE, ANY_SCOPE): AccessLevel.OWN,
            (DEAL, UPDATE, RuleScope.of_status(stages["Lost"])): AccessLevel.NONE,
            (DEAL, AccessAction.CREATE, ANY_SCOPE): AccessLevel.OWN,
        },
        {(DEAL, "amount", ANY_SCOPE): FieldRuleKind.READ_ONLY},
    )
    policy = CompiledPolicy(world.viewer, [manager])
    own, others = envelope(world, "self"), envelope(world, "other")

    checks.require_create(policy, own)
    with pytest.raises(Forbidden):
        checks.require_create(policy, others)
    checks.require_update(policy, own, own, ["title"])
    with pytest.raises(Forbidden) as read_only:
        checks.require_update(policy, own, own, ["title", "amount"])
    assert read_only.value.field == "amount"
    with pytest.raises(Forbidden):
        checks.require_update(policy, own, replace(own, responsible_id=world.users["other"].id), [])
    with pytest.raises(Forbidden):
        checks.require_update(policy, others, others, ["title"])
    order = list(stages.values())
    checks.require_move(policy, world.pipeline_id, order, stages["Won"], own)
    with pytest.raises(Forbidden) as refused_move:
        checks.require_move(policy, world.pipeline_id, order, stages["Lost"], own)
    assert refused_move.value.field == "stageId"
    with pytest.raises(Forbidden):
        checks.require_delete(policy, own)
