"""The demo roles: loaded idempotently, and each demo user gets what the README says."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from auth.policy import CompiledPolicy, Envelope
from auth.viewer import Viewer
from crmhub.demo import load_demo
from crmhub.settings import Settings
from models import AccessAction, AccessLevel, Department, Role, RoleAssignment, SessionFactory, User
from models.crm import CrmEntity, Deal, DealStage, Semantics
from resolvers.access.loading import compile_policy

READ, UPDATE = AccessAction.READ, AccessAction.UPDATE


async def policy_of(session_factory: SessionFactory, email: str) -> CompiledPolicy:
    async with session_factory() as session:
        user_id, is_admin, department_id, path = (
            await session.execute(
                select(User.id, User.is_admin, User.department_id, Department.path)
                .join(Department, Department.id == User.department_id)
                .where(User.email == email)
            )
        ).one()
        viewer = Viewer(user_id, is_admin, department_id, path, token_id=0)
        return await compile_policy(session, viewer)


async def test_demo_roles_load_once_and_mean_what_the_readme_says(
    settings: Settings, engine: AsyncEngine, session_factory: SessionFactory
) -> None:
    assert await load_demo(settings)
    assert not await load_demo(settings)
    async with session_factory() as session:
        assert await session.scalar(select(func.count()).select_from(Role)) == 4
        assert await session.scalar(select(func.count()).select_from(RoleAssignment)) == 7
        won = await session.scalar(
            select(DealStage.id).where(DealStage.semantics == Semantics.SUCCESS)
        )

    intern = await policy_of(session_factory, "nikita.novikov@example.com")
    assert intern.level(CrmEntity.DEAL, READ, won) is AccessLevel.NONE
    assert intern.level(CrmEntity.DEAL, READ, None) is AccessLevel.OWN
    assert intern.level(CrmEntity.DEAL, UPDATE, None) is AccessLevel.NONE
    own_deal = Envelope(
        CrmEntity.DEAL, intern.viewer.user_id, intern.viewer.department_path, False, won
    )
    assert not intern.allows(READ, own_deal)
    assert "amount" in intern.hidden_fields(
        Envelope(CrmEntity.DEAL, intern.viewer.user_id, "", False, None)
    )
    # No won deal in any pipeline: "Sales" Won as "Partners" Signed.
    async with session_factory() as session:
        won_stages = set(
            await session.scalars(
                select(DealStage.id).where(DealStage.semantics == Semantics.SUCCESS)
            )
        )
        readable_won = await session.scalar(
            select(func.count())
            .select_from(Deal)
            .where(intern.read_filter(CrmEntity.DEAL), Deal.stage_id.in_(won_stages))
        )
        own_won = await session.scalar(
            select(func.count())
            .select_from(Deal)
            .where(Deal.assigned_to_id == intern.viewer.user_id, Deal.stage_id.in_(won_stages))
        )
    assert len(won_stages) == 2
    assert {intern.level(CrmEntity.DEAL, READ, stage) for stage in won_stages} == {AccessLevel.NONE}
    assert own_won and readable_won == 0

    head = await policy_of(session_factory, "irina.volkova@example.com")
    assert head.level(CrmEntity.LEAD, UPDATE, None) is AccessLevel.SUBDEPARTMENTS

    # Sales manager held through the Sales North department, and directly in Sales South.
    for manager in ("maria.ivanova@example.com", "elena.kozlova@example.com"):
        policy = await policy_of(session_factory, manager)
        assert policy.level(CrmEntity.COMPANY, READ, None) is AccessLevel.OPEN
        assert policy.level(CrmEntity.COMPANY, UPDATE, None) is AccessLevel.OWN

    marketing = await policy_of(session_factory, "ivan.petrov@example.com")
    assert marketing.level(CrmEntity.LEAD, READ, None) is AccessLevel.NONE
