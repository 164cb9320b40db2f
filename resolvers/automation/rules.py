"""Defining automation rules (administrators only) and reading their run log."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import AutomationRule, AutomationRun, Event, User
from models.crm import CrmEntity, DealStage, Semantics
from resolvers.automation import conditions
from resolvers.automation.actions import ACTIONS
from resolvers.automation.triggers import Trigger, checked_options
from resolvers.context import RequestContext
from resolvers.crm.dictionaries import require_row
from resolvers.crm.filtering import Filter
from resolvers.errors import BadInput, Forbidden, not_found
from resolvers.pagination import Page, PageRequest, SortKey, fetch_page
from resolvers.validation import text

MAX_NAME = 100
MAX_ACTIONS = 10


@dataclass(frozen=True)
class TriggerSpec:
    kind: Trigger
    entity: CrmEntity | None = None
    stage_id: int | None = None
    semantics: Semantics | None = None
    field: str | None = None


@dataclass(frozen=True)
class ActionSpec:
    """An action's kind and its options, by their API names (ids already decoded)."""

    kind: str
    options: Mapping[str, Any]


@dataclass(frozen=True)
class NewRule:
    name: str
    trigger: TriggerSpec
    actions: Sequence[ActionSpec]
    condition: Filter | None = None
    owner_id: int | None = None
    active: bool = True


async def create_rule(ctx: RequestContext, new: NewRule) -> AutomationRule:
    admin = _require_rule_admin(ctx)
    async with ctx.db() as session:
        rule = AutomationRule(
            **await _definition(session, new, admin.user_id),
            # What happened before the rule existed is not its business.
            start_seq=await log_end(session),
        )
        session.add(rule)
        await session.commit()
        return rule


async def update_rule(ctx: RequestContext, rule_id: int, new: NewRule) -> AutomationRule:
    """Replaces a rule's definition; its run log stays. It runs as redefined on the events
    written from now on (switched on again, not on what happened while it was off)."""
    admin = _require_rule_admin(ctx)
    async with ctx.db() as session:
        rule = await _require_rule(session, rule_id)
        for name, value in (await _definition(session, new, admin.user_id)).items():
            setattr(rule, name, value)
        rule.start_seq = await log_end(session)
        await session.commit()
        return rule


async def _definition(session: AsyncSession, new: NewRule, admin_id: int) -> dict[str, Any]:
    """A rule's columns from its definition, checked; BadInput naming the field."""
    name = text(new.name, "name", max_length=MAX_NAME)
    entity, options = checked_options(
        new.trigger.kind,
        new.trigger.entity,
        new.trigger.stage_id,
        new.trigger.semantics,
        new.trigger.field,
    )
    if new.trigger.stage_id is not None:
        await require_row(session, DealStage, new.trigger.stage_id, "trigger.stageId")
    condition = (
        None if new.condition is None else conditions.checked(entity, new.condition, "condition")
    )
    owner_id = admin_id if new.owner_id is None else new.owner_id
    owner = await session.get(User, owner_id)
    if owner is None or not owner.active:
        raise not_found("User", owner_id, "ownerId")
    return {
        "name": name,
        "owner_id": owner_id,
        "active": new.active,
        "trigger": new.trigger.kind.value,
        "entity": entity.value,
        "trigger_options": options,
        "condition": condition,
        "actions": await _checked_actions(session, entity, new.actions),
    }


async def set_rule_active(ctx: RequestContext, rule_id: int, active: bool) -> AutomationRule:
    """Switching a rule on again does not make it run on what happened while it was off."""
    _require_rule_admin(ctx)
    async with ctx.db() as session:
        rule = await _require_rule(session, rule_id)
        if active and not rule.active:
            rule.start_seq = await log_end(session)
        rule.active = active
        await session.commit()
        return rule


async def delete_rule(ctx: RequestContext, rule_id: int) -> None:
    """The rule and its run log; what its actions made stays."""
    _require_rule_admin(ctx)
    async with ctx.db() as session:
        await _require_rule(session, rule_id)
        await session.execute(delete(AutomationRun).where(AutomationRun.rule_id == rule_id))
        await session.execute(delete(AutomationRule).where(AutomationRule.id == rule_id))
        await session.commit()


async def list_rules(ctx: RequestContext) -> list[AutomationRule]:
    ctx.require_admin()
    async with ctx.db() as session:
        return list(await session.scalars(select(AutomationRule).order_by(AutomationRule.id)))


async def list_runs(ctx: RequestContext, rule_id: int, page: PageRequest) -> Page[AutomationRun]:
    """A rule's run log, newest first."""
    ctx.require_admin()
    async with ctx.db() as session:
        await _require_rule(session, rule_id, "ruleId")
    statement = select(AutomationRun).where(AutomationRun.rule_id == rule_id)
    return await fetch_page(ctx, statement, [SortKey(AutomationRun.id, descending=True)], page)


async def _checked_actions(
    session: AsyncSession, entity: CrmEntity, actions: Sequence[ActionSpec]
) -> list[dict[str, Any]]:
    if not 1 <= len(actions) <= MAX_ACTIONS:
        raise BadInput(f"A rule has 1 to {MAX_ACTIONS} actions", field="actions")
    checked = []
    for i, action in enumerate(actions):
        kind = ACTIONS.get(action.kind)
        if kind is None:
            raise BadInput(f"No action '{action.kind}'", field=f"actions.{i}.kind")
        options = await kind.check(session, entity, action.options, f"actions.{i}")
        checked.append({"kind": action.kind, **options})
    return checked


async def log_end(session: AsyncSession) -> int:
    """The seq of the log's last event (0 for none)."""
    return int(await session.scalar(select(func.coalesce(func.max(Event.seq), 0))) or 0)


def _require_rule_admin(ctx: RequestContext) -> Any:
    admin = ctx.require_admin()
    if admin.api_key:
        raise Forbidden("An API key cannot define automation rules; log in as an administrator")
    return admin


async def _require_rule(session: AsyncSession, rule_id: int, field: str = "id") -> AutomationRule:
    rule = await session.get(AutomationRule, rule_id)
    if rule is None:
        raise not_found("AutomationRule", rule_id, field)
    return rule
