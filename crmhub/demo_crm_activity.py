"""Recent CRM activity for the demo, made through the resolvers so it leaves real events.

The bulk CRM demo (demo_crm.py) is written straight to the tables for speed and has no
events. This adds a recent slice on top, as the CEO (an administrator, so no role stands in
the way now or after access checks are wired into the write paths): a few new deals given to
sales managers, with a source channel (a custom field) (DEAL_CREATED, DEAL_ASSIGNED
notifications), open deals moved on, some of
them won (DEAL_STAGE_MOVED), and the demo task about Vostok Logistics linked to its deal.
Idempotent: nothing is added once any CRM event exists.
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, select

from auth.viewer import Viewer
from models import Department, Event, Task, User
from models.crm import CrmEntity, CustomFieldKind, Deal, DealStage, Semantics
from resolvers.context import RequestContext, Services
from resolvers.crm import custom_fields, deals
from resolvers.crm.custom_checks import RawValue
from resolvers.crm.custom_values import CustomInput
from resolvers.tasks import commands as tasks

CEO_EMAIL = "admin@example.com"
# A task of the collaboration demo (demo_collaboration.py), about the first new deal.
LINKED_TASK_TITLE = "Prepare the commercial offer for Vostok Logistics"
MOVES = 12
NEW_DEALS = [
    ("Pilot order: Vostok Logistics fleet tracking", "maria.ivanova@example.com", "48000", "Web"),
    ("Renewal: Baltic Timber service contract", "olga.popova@example.com", "125000", "Partner"),
    ("Upsell: Ural Steel extra licences", "sergey.lebedev@example.com", "36500", "Phone"),
]
# A custom field of deals (docs/crm.md), set on the new deals.
CHANNEL = custom_fields.NewCustomField(
    entity=CrmEntity.DEAL,
    code="UF_SOURCE_CHANNEL",
    name="Source channel",
    kind=CustomFieldKind.ENUMERATION,
    options=("Web", "Phone", "Partner"),
)


async def load_crm_activity_demo(services: Services) -> bool:
    """Adds the recent CRM activity once; False when CRM events already exist."""
    async with services.session_factory() as session:
        existing = await session.scalar(
            select(func.count())
            .select_from(Event)
            .where(Event.scope_type.in_([entity.value for entity in CrmEntity]))
        )
        ceo = await session.scalar(select(User).where(User.email == CEO_EMAIL))
        path = ceo and await session.scalar(
            select(Department.path).where(Department.id == ceo.department_id)
        )
    if existing or ceo is None:
        return False
    viewer = Viewer(
        user_id=ceo.id,
        is_admin=True,
        department_id=ceo.department_id,
        department_path=path or "",
        token_id=0,
    )
    ctx = RequestContext(services=services, viewer=viewer, client_address="demo")
    try:
        await _new_deals(ctx)
        await _moves(ctx)
    finally:
        await ctx.close()
    return True


async def _new_deals(ctx: RequestContext) -> None:
    async with ctx.db() as session:
        by_email = dict((await session.execute(select(User.email, User.id))).tuples().all())
    await custom_fields.create_field(ctx, CHANNEL)
    for index, (title, email, amount, channel) in enumerate(NEW_DEALS):
        responsible = by_email.get(email)
        if responsible is None:
            continue
        new = deals.NewDeal(
            title=title,
            amount=Decimal(amount),
            assigned_to_id=responsible,
            custom_fields=[CustomInput(CHANNEL.code, [RawValue(string=channel)])],
        )
        deal = await deals.create_deal(ctx, new)
        if index == 0:
            await _link_task(ctx, LINKED_TASK_TITLE, deal.id)


async def _link_task(ctx: RequestContext, title: str, deal_id: int) -> None:
    async with ctx.db() as session:
        task_id = await session.scalar(select(Task.id).where(Task.title == title))
    if task_id is not None:
        changes = tasks.TaskChanges(crm_items=[(CrmEntity.DEAL, deal_id)])
        await tasks.update_task(ctx, task_id, changes)


async def _moves(ctx: RequestContext) -> None:
    """The newest open deals move one stage on; every third is won instead."""
    async with ctx.db() as session:
        stages = list((await session.execute(select(DealStage))).scalars())
        open_deals = (
            (
                await session.execute(
                    select(Deal.id, Deal.pipeline_id, Deal.stage_id)
                    .join(DealStage, DealStage.id == Deal.stage_id)
                    .where(DealStage.semantics == Semantics.PROCESS)
                    .order_by(Deal.created_at.desc(), Deal.id.desc())
                    .limit(MOVES)
                )
            )
            .tuples()
            .all()
        )
    for index, (deal_id, pipeline_id, stage_id) in enumerate(open_deals):
        target = _next_stage(stages, pipeline_id, stage_id, win=index % 3 == 2)
        if target is not None:
            await deals.move_deal(ctx, deal_id, target)


def _next_stage(stages: list[DealStage], pipeline_id: int, stage_id: int, win: bool) -> int | None:
    ordered = sorted((s for s in stages if s.pipeline_id == pipeline_id), key=lambda s: s.sort)
    if win:
        return next((s.id for s in ordered if s.semantics is Semantics.SUCCESS), None)
    later = [s for s in ordered if s.semantics is Semantics.PROCESS]
    position = [s.id for s in later].index(stage_id)
    return later[position + 1].id if position + 1 < len(later) else None
