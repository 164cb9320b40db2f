"""The SQL of "where a field is shown" agrees with the in-memory field masks, row by row,
over roles that hide a field everywhere, in one stage, or not at all, at several levels."""

from __future__ import annotations

from sqlalchemy import select

from auth.policy import CompiledPolicy, RoleGrants
from models import ANY_SCOPE, AccessAction, AccessLevel, FieldRuleKind, RuleScope, SessionFactory
from models.crm import Company, CrmEntity, Deal
from resolvers.crm.field_masks import shown_in
from tests.access.world import World, build_world

READ = AccessAction.READ
DEAL, COMPANY = CrmEntity.DEAL, CrmEntity.COMPANY


def roles(world: World) -> list[RoleGrants]:
    won = RuleScope.of_status(world.stages["Won"])
    lost = RuleScope.of_status(world.stages["Lost"])
    return [
        RoleGrants(
            1,
            "Sees own, no amounts",
            {
                (DEAL, READ, ANY_SCOPE): AccessLevel.OWN,
                (COMPANY, READ, ANY_SCOPE): AccessLevel.OWN,
            },
            {
                (DEAL, "amount", ANY_SCOPE): FieldRuleKind.HIDDEN,
                (COMPANY, "revenue", ANY_SCOPE): FieldRuleKind.HIDDEN,
            },
        ),
        RoleGrants(
            2,
            "Department, amounts hidden when won",
            {
                (DEAL, READ, ANY_SCOPE): AccessLevel.DEPARTMENT,
                (COMPANY, READ, ANY_SCOPE): AccessLevel.DEPARTMENT,
            },
            {
                (DEAL, "amount", won): FieldRuleKind.HIDDEN,
                (DEAL, "amount", lost): FieldRuleKind.READ_ONLY,
            },
        ),
        RoleGrants(
            3,
            "Open, amounts hidden but when lost",
            {(DEAL, READ, ANY_SCOPE): AccessLevel.OPEN, (DEAL, READ, won): AccessLevel.NONE},
            {
                (DEAL, "amount", ANY_SCOPE): FieldRuleKind.HIDDEN,
                (DEAL, "amount", lost): FieldRuleKind.READ_ONLY,
            },
        ),
    ]


async def test_shown_in_is_the_twin_of_hidden_fields(session_factory: SessionFactory) -> None:
    world = await build_world(session_factory, statuses=True)
    every_role = roles(world)
    for count in range(1, len(every_role) + 1):
        for held in (every_role[:count], every_role[count - 1 :]):
            policy = CompiledPolicy(world.viewer, held)
            for entity, model, field in ((DEAL, Deal, "amount"), (COMPANY, Company, "revenue")):
                statuses = list(world.stages.values()) if entity is DEAL else []
                async with session_factory() as session:
                    shown = set(
                        await session.scalars(
                            select(model.id).where(
                                policy.read_filter(entity),
                                shown_in(policy, entity, field, statuses),
                            )
                        )
                    )
                expected = {
                    record.id
                    for record in world.records[entity]
                    if policy.allows(READ, record.envelope)
                    and field not in policy.hidden_fields(record.envelope)
                }
                assert shown == expected, ([role.name for role in held], entity)
