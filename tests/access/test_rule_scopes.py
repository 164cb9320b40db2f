"""Rule scopes: a role's most specific rule wins (stage > pipeline > semantics > any), for
levels and field rules; roles combine by the highest level; a status created after a policy
was compiled is judged safely until the policy is recompiled. Policies are compiled from
stored rules, as in production, and the SQL filter is held against its in-memory twin on
every record."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from auth.policy import CompiledPolicy, Envelope, RoleGrants
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
)
from models.crm import CrmEntity, Deal, DealStage, Pipeline, Semantics
from resolvers.access.loading import compile_policy
from tests.access.world import Record, World, build_world

DEAL, READ, UPDATE = CrmEntity.DEAL, AccessAction.READ, AccessAction.UPDATE
SUCCESS = RuleScope.of_semantics(Semantics.SUCCESS)
PROCESS = RuleScope.of_semantics(Semantics.PROCESS)
SECOND_STAGES = (
    ("New", Semantics.PROCESS),
    ("Won", Semantics.SUCCESS),
    ("Lost", Semantics.FAILURE),
)
# Owners seen from the world's viewer (in Sales): self, a colleague in Sales, someone in Other.
OWNERS = ("self", "colleague", "other")
REACHES = {
    AccessLevel.NONE: set(),
    AccessLevel.OWN: {"self"},
    AccessLevel.DEPARTMENT: {"self", "colleague"},
    AccessLevel.ALL: set(OWNERS),
}

Levels = dict[RuleScope, AccessLevel]
FieldRules = dict[tuple[str, RuleScope], FieldRuleKind]


class Scene:
    """The world (deals in every stage of the default pipeline) plus a second pipeline with
    a deal per stage and owner; stages by (pipeline, name), pipelines "first" and "second"."""

    def __init__(self, world: World, second_id: int, second: dict[str, int]) -> None:
        self.world = world
        self.second_id = second_id
        self.stages = {("first", name): pk for name, pk in world.stages.items()}
        self.stages |= {("second", name): pk for name, pk in second.items()}

    def deals(self) -> list[Record]:
        return [record for record in self.world.records[DEAL] if record.owner in OWNERS]

    def place_of(self, record: Record) -> tuple[str, str]:
        return next(key for key, pk in self.stages.items() if pk == record.envelope.status_id)

    def envelope(self, pipeline: str, stage: str, owner: str = "self") -> Envelope:
        record = next(
            record
            for record in self.deals()
            if record.owner == owner and record.envelope.status_id == self.stages[(pipeline, stage)]
        )
        return record.envelope


async def build_scene(session_factory: SessionFactory) -> Scene:
    world = await build_world(session_factory, statuses=True)
    async with session_factory() as session:
        pipeline = Pipeline(name="Second", sort=20, is_default=False)
        session.add(pipeline)
        await session.flush()
        second = {}
        for index, (name, semantics) in enumerate(SECOND_STAGES):
            stage = DealStage(pipeline_id=pipeline.id, name=name, sort=index, semantics=semantics)
            session.add(stage)
            await session.flush()
            second[name] = stage.id
            for owner in OWNERS:
                await add_deal(session, world, pipeline.id, stage.id, owner)
        await session.commit()
    return Scene(world, pipeline.id, second)


async def add_deal(
    session: AsyncSession, world: World, pipeline_id: int, stage_id: int, owner: str
) -> Record:
    user = world.users[owner]
    deal = Deal(
        title="deal",
        pipeline_id=pipeline_id,
        stage_id=stage_id,
        currency="EUR",
        assigned_to_id=user.id,
        opened=False,
    )
    session.add(deal)
    await session.flush()
    envelope = Envelope(DEAL, user.id, user_path(world, owner), False, stage_id)
    record = Record(deal.id, owner, False, envelope)
    world.records[DEAL].append(record)
    return record


def user_path(world: World, owner: str) -> str:
    return world.departments["other" if owner == "other" else "sales"].path


async def policy_with(
    session_factory: SessionFactory,
    world: World,
    *roles: tuple[Levels, FieldRules],
    action: AccessAction = READ,
) -> CompiledPolicy:
    """Stores roles with these DEAL levels (for ``action``) and field rules, held by the
    viewer, and compiles the viewer's policy from the database."""
    async with session_factory() as session:
        for index, (levels, field_rules) in enumerate(roles):
            role = Role(name=f"Role {index}", description="")
            session.add(role)
            await session.flush()
            session.add_all(
                RolePermission(role_id=role.id, entity=DEAL, action=action, scope=scope, level=lvl)
                for scope, lvl in levels.items()
            )
            session.add_all(
                FieldRule(role_id=role.id, entity=DEAL, field=name, scope=scope, rule=rule)
                for (name, scope), rule in field_rules.items()
            )
            session.add(RoleAssignment(role_id=role.id, user_id=world.viewer.user_id))
        await session.commit()
    async with session_factory() as session:
        return await compile_policy(session, world.viewer)


async def readable(session_factory: SessionFactory, policy: CompiledPolicy) -> set[int]:
    async with session_factory() as session:
        rows = await session.scalars(select(Deal.id).where(policy.read_filter(DEAL)))
        return set(rows)


async def assert_levels(
    session_factory: SessionFactory,
    scene: Scene,
    policy: CompiledPolicy,
    expected: dict[tuple[str, str], AccessLevel],
    default: AccessLevel,
) -> None:
    """Every deal is read by SQL and in memory exactly when its stage's expected level (or
    ``default``) reaches its owner."""
    wanted = {
        record.id
        for record in scene.deals()
        if record.owner in REACHES[expected.get(scene.place_of(record), default)]
    }
    in_memory = {record.id for record in scene.deals() if policy.allows(READ, record.envelope)}
    assert in_memory == wanted
    assert (await readable(session_factory, policy)) & {r.id for r in scene.deals()} == wanted


async def test_a_stage_beats_its_pipeline_beats_semantics_beats_any(
    session_factory: SessionFactory,
) -> None:
    scene = await build_scene(session_factory)
    layered: Levels = {
        ANY_SCOPE: AccessLevel.ALL,
        PROCESS: AccessLevel.DEPARTMENT,
        RuleScope.of_pipeline(scene.second_id): AccessLevel.OWN,
        RuleScope.of_status(scene.stages[("second", "Won")]): AccessLevel.NONE,
    }
    policy = await policy_with(session_factory, scene.world, (layered, {}))

    await assert_levels(
        session_factory,
        scene,
        policy,
        {
            # PROCESS stages of the default pipeline: the semantics rule.
            ("first", "New"): AccessLevel.DEPARTMENT,
            ("first", "Preparation"): AccessLevel.DEPARTMENT,
            ("first", "Proposal"): AccessLevel.DEPARTMENT,
            ("first", "Negotiation"): AccessLevel.DEPARTMENT,
            # The second pipeline: its rule, over the PROCESS rule for New ...
            ("second", "New"): AccessLevel.OWN,
            ("second", "Lost"): AccessLevel.OWN,
            # ... and under the stage's own rule.
            ("second", "Won"): AccessLevel.NONE,
        },
        default=AccessLevel.ALL,  # Won and Lost of the default pipeline: ANY
    )


async def test_two_roles_combine_by_the_highest_level_stage_by_stage(
    session_factory: SessionFactory,
) -> None:
    scene = await build_scene(session_factory)
    intern: Levels = {ANY_SCOPE: AccessLevel.OWN, SUCCESS: AccessLevel.NONE}
    partner: Levels = {RuleScope.of_pipeline(scene.second_id): AccessLevel.DEPARTMENT}
    policy = await policy_with(session_factory, scene.world, (intern, {}), (partner, {}))

    await assert_levels(
        session_factory,
        scene,
        policy,
        {
            ("first", "Won"): AccessLevel.NONE,  # the intern's SUCCESS rule; no partner rule
            ("second", "New"): AccessLevel.DEPARTMENT,
            ("second", "Won"): AccessLevel.DEPARTMENT,  # NONE and DEPARTMENT: the highest
            ("second", "Lost"): AccessLevel.DEPARTMENT,
        },
        default=AccessLevel.OWN,
    )
    assert policy.level(DEAL, READ, None) is AccessLevel.OWN


async def test_field_rules_follow_the_same_precedence(session_factory: SessionFactory) -> None:
    scene = await build_scene(session_factory)
    second_won = RuleScope.of_status(scene.stages[("second", "Won")])
    rules: FieldRules = {
        ("title", ANY_SCOPE): FieldRuleKind.HIDDEN,
        ("title", PROCESS): FieldRuleKind.READ_ONLY,
        ("title", SUCCESS): FieldRuleKind.READ_ONLY,
        ("title", RuleScope.of_pipeline(scene.second_id)): FieldRuleKind.HIDDEN,
        ("title", second_won): FieldRuleKind.READ_ONLY,
    }
    policy = await policy_with(
        session_factory, scene.world, ({ANY_SCOPE: AccessLevel.ALL}, rules), action=READ
    )
    places = [("first", "New"), ("first", "Won"), ("first", "Lost")]
    places += [("second", "New"), ("second", "Won"), ("second", "Lost")]
    hidden = {place: "title" in policy.hidden_fields(scene.envelope(*place)) for place in places}
    assert hidden == {
        ("first", "New"): False,  # PROCESS: read-only, not hidden
        ("first", "Won"): False,  # SUCCESS: read-only
        ("first", "Lost"): True,  # no FAILURE rule: ANY
        ("second", "New"): True,  # the pipeline, over PROCESS
        ("second", "Won"): False,  # the stage, over the pipeline and SUCCESS
        ("second", "Lost"): True,  # the pipeline
    }


async def test_read_only_fields_follow_the_same_precedence(
    session_factory: SessionFactory,
) -> None:
    scene = await build_scene(session_factory)
    rules: FieldRules = {
        ("amount", SUCCESS): FieldRuleKind.READ_ONLY,
        ("amount", RuleScope.of_pipeline(scene.second_id)): FieldRuleKind.HIDDEN,
    }
    policy = await policy_with(
        session_factory, scene.world, ({ANY_SCOPE: AccessLevel.ALL}, rules), action=UPDATE
    )
    assert policy.read_only_fields(scene.envelope("first", "New")) == frozenset()
    assert policy.read_only_fields(scene.envelope("first", "Won")) == {"amount"}
    assert policy.read_only_fields(scene.envelope("second", "New")) == {"amount"}


async def test_a_stage_created_after_compilation_is_judged_safely_until_recompiled(
    session_factory: SessionFactory,
) -> None:
    """A stage created behind a compiled policy's back (the admin API bumps the epoch, so
    the next request recompiles) is unknown to it: roles whose level there hangs on its
    pipeline or semantics grant nothing in it, in SQL and in memory alike, and their field
    rules for it are the strictest; roles with ANY rules only reach it as they will."""
    scene = await build_scene(session_factory)
    viewer = scene.world.viewer
    intern: Levels = {ANY_SCOPE: AccessLevel.OWN, SUCCESS: AccessLevel.NONE}
    hides_won_amounts: FieldRules = {("amount", SUCCESS): FieldRuleKind.HIDDEN}
    policy = await policy_with(session_factory, scene.world, (intern, hides_won_amounts))
    any_only = CompiledPolicy(
        viewer,
        [RoleGrants(9, "Reader", {(DEAL, READ, ANY_SCOPE): AccessLevel.OWN})],
        policy.catalog,
    )
    late = {}
    async with session_factory() as session:
        for name, semantics in (("Won again", Semantics.SUCCESS), ("Pilot", Semantics.PROCESS)):
            stage = DealStage(pipeline_id=scene.second_id, name=name, sort=9, semantics=semantics)
            session.add(stage)
            await session.flush()
            late[name] = await add_deal(session, scene.world, scene.second_id, stage.id, "self")
        await session.commit()
    late_ids = {record.id for record in late.values()}

    for record in late.values():
        assert not policy.allows(READ, record.envelope)
        assert any_only.allows(READ, record.envelope)
    assert not late_ids & await readable(session_factory, policy)
    assert late_ids <= await readable(session_factory, any_only)

    async with session_factory() as session:
        recompiled = await compile_policy(session, viewer)
    assert recompiled.allows(READ, late["Pilot"].envelope)
    assert not recompiled.allows(READ, late["Won again"].envelope)
    assert late_ids & await readable(session_factory, recompiled) == {late["Pilot"].id}
    assert "amount" not in recompiled.hidden_fields(late["Pilot"].envelope)

    # Field rules: a role reading everything, hiding amounts of won deals only.
    reader = RoleGrants(
        9,
        "Reader",
        {(DEAL, READ, ANY_SCOPE): AccessLevel.ALL},
        {(DEAL, "amount", SUCCESS): FieldRuleKind.HIDDEN},
    )
    stale = CompiledPolicy(viewer, [reader], policy.catalog)
    fresh = CompiledPolicy(viewer, [reader], recompiled.catalog)
    assert "amount" in stale.hidden_fields(late["Pilot"].envelope)
    assert "amount" not in fresh.hidden_fields(late["Pilot"].envelope)
    assert "amount" in fresh.hidden_fields(late["Won again"].envelope)


async def test_the_sql_filter_is_one_term_per_level_over_the_known_stages(
    session_factory: SessionFactory,
) -> None:
    scene = await build_scene(session_factory)
    intern: Levels = {ANY_SCOPE: AccessLevel.OWN, SUCCESS: AccessLevel.NONE}
    partner: Levels = {RuleScope.of_pipeline(scene.second_id): AccessLevel.DEPARTMENT}
    policy = await policy_with(session_factory, scene.world, (intern, {}), (partner, {}))

    sql = str(policy.read_filter(DEAL).compile(compile_kwargs={"literal_binds": True}))

    # OWN over the default pipeline's stages but Won; DEPARTMENT over the second pipeline's;
    # nothing for the rest (Won, and stages created since: NONE until recompiled).
    assert sql.count("crm_deals.stage_id IN") == 2
    assert "NOT IN" not in sql
    own = sorted(pk for (pipeline, name), pk in scene.stages.items() if pipeline == "first")
    own.remove(scene.stages[("first", "Won")])
    assert f"crm_deals.stage_id IN ({', '.join(map(str, own))})" in sql

    # Without scoped rules, the stage is not tested at all.
    plain = RoleGrants(3, "Reader", {(DEAL, READ, ANY_SCOPE): AccessLevel.OWN})
    unscoped = CompiledPolicy(scene.world.viewer, [plain], policy.catalog)
    assert "stage_id" not in str(unscoped.read_filter(DEAL))
