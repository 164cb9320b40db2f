"""What roles grant: levels per entity, action and scope; field rules; stage transitions.

Every change bumps the policy epoch in its own transaction, so every holder of the role, on
every process, gets the new policy on their next request.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol, TypeVar

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from auth.policy import ENTITY_FIELDS
from auth.policy.entities import has_statuses
from models import (
    ANY_SCOPE,
    AccessAction,
    AccessLevel,
    FieldRule,
    FieldRuleKind,
    Role,
    RolePermission,
    RuleScope,
    ScopeKind,
    StageTransition,
)
from models.crm import CrmEntity, DealStage, Pipeline, Semantics
from models.crm.entities import declaration_of
from resolvers.access.freshness import access_changed
from resolvers.access.roles import require_role
from resolvers.context import RequestContext
from resolvers.crm.custom_fields import custom_codes
from resolvers.errors import BadInput, not_found

# The argument that names each kind of scope, for errors.
SCOPE_ARGUMENTS = {
    ScopeKind.SEMANTICS: "semantics",
    ScopeKind.PIPELINE: "pipelineId",
    ScopeKind.STATUS: "statusId",
}


@dataclass(frozen=True)
class PermissionChange:
    entity: CrmEntity
    action: AccessAction
    scope: RuleScope
    # None removes the rule: its records fall back to the role's broader rules.
    level: AccessLevel | None


@dataclass(frozen=True)
class FieldRuleChange:
    entity: CrmEntity
    field: str
    scope: RuleScope
    # None clears the rule.
    rule: FieldRuleKind | None


def rule_scope(
    semantics: Semantics | None = None,
    pipeline_id: int | None = None,
    status_id: int | None = None,
) -> RuleScope:
    """The scope the admin API's arguments name: at most one of them; none is ANY."""
    given = [
        scope
        for scope in (
            RuleScope.of_semantics(semantics) if semantics is not None else None,
            RuleScope.of_pipeline(pipeline_id) if pipeline_id is not None else None,
            RuleScope.of_status(status_id) if status_id is not None else None,
        )
        if scope is not None
    ]
    if len(given) > 1:
        raise BadInput(
            "Give at most one of semantics, pipelineId and statusId",
            field=SCOPE_ARGUMENTS[given[1].kind],
        )
    return given[0] if given else ANY_SCOPE


async def permissions_by_role_id(
    ctx: RequestContext, role_ids: list[int]
) -> Sequence[list[RolePermission]]:
    async with ctx.db() as session:
        rows = await session.scalars(
            select(RolePermission).where(RolePermission.role_id.in_(role_ids))
        )
        ordered = sorted(
            rows, key=lambda row: (row.entity.value, row.action.value, row.scope.sort_key)
        )
        return _grouped(ordered, role_ids)


async def field_rules_by_role_id(
    ctx: RequestContext, role_ids: list[int]
) -> Sequence[list[FieldRule]]:
    async with ctx.db() as session:
        rows = await session.scalars(select(FieldRule).where(FieldRule.role_id.in_(role_ids)))
        ordered = sorted(rows, key=lambda row: (row.entity.value, row.field, row.scope.sort_key))
        return _grouped(ordered, role_ids)


async def transitions_by_role_id(
    ctx: RequestContext, role_ids: list[int]
) -> Sequence[list[StageTransition]]:
    async with ctx.db() as session:
        rows = await session.scalars(
            select(StageTransition)
            .where(StageTransition.role_id.in_(role_ids))
            .order_by(StageTransition.pipeline_id, StageTransition.id)
        )
        return _grouped(rows, role_ids)


class _OfRole(Protocol):
    role_id: int


RowT = TypeVar("RowT", bound=_OfRole)


def _grouped(rows: Iterable[RowT], role_ids: list[int]) -> list[list[RowT]]:
    by_role: dict[int, list[RowT]] = defaultdict(list)
    for row in rows:
        by_role[row.role_id].append(row)
    return [by_role[role_id] for role_id in role_ids]


async def set_role_permission(ctx: RequestContext, role_id: int, change: PermissionChange) -> Role:
    admin = ctx.require_admin()
    async with ctx.db() as session:
        role = await require_role(session, role_id, "roleId")
        await _check_scope(session, change.entity, change.scope)
        existing = await session.scalar(
            select(RolePermission).where(
                RolePermission.role_id == role_id,
                RolePermission.entity == change.entity,
                RolePermission.action == change.action,
                RolePermission.scope == change.scope,
            )
        )
        if change.level is None:
            if existing is not None:
                await session.delete(existing)
        elif existing is not None:
            existing.level = change.level
        else:
            session.add(
                RolePermission(
                    role_id=role_id,
                    entity=change.entity,
                    action=change.action,
                    scope=change.scope,
                    level=change.level,
                )
            )
        await access_changed(session, actor_id=admin.user_id)
        await session.commit()
    ctx.forget_loaded()
    return role


async def set_field_rule(ctx: RequestContext, role_id: int, change: FieldRuleChange) -> Role:
    admin = ctx.require_admin()
    async with ctx.db() as session:
        # A custom field is ruled by its code, like a built-in field by its name.
        known = ENTITY_FIELDS[change.entity] | await custom_codes(session, change.entity)
        if change.field not in known:
            raise BadInput(
                f"{change.entity.value} has no field '{change.field}'; "
                f"known: {', '.join(sorted(known))}",
                field="field",
            )
        role = await require_role(session, role_id, "roleId")
        await _check_scope(session, change.entity, change.scope)
        existing = await session.scalar(
            select(FieldRule).where(
                FieldRule.role_id == role_id,
                FieldRule.entity == change.entity,
                FieldRule.field == change.field,
                FieldRule.scope == change.scope,
            )
        )
        if change.rule is None:
            if existing is not None:
                await session.delete(existing)
        elif existing is not None:
            existing.rule = change.rule
        else:
            session.add(
                FieldRule(
                    role_id=role_id,
                    entity=change.entity,
                    field=change.field,
                    scope=change.scope,
                    rule=change.rule,
                )
            )
        await access_changed(session, actor_id=admin.user_id)
        await session.commit()
    ctx.forget_loaded()
    return role


async def set_stage_transitions(
    ctx: RequestContext, role_id: int, pipeline_id: int, moves: Sequence[tuple[int, int]]
) -> Role:
    """Replaces the role's moves in a pipeline. An empty list lifts the restriction: a role
    without moves for a pipeline may move deals between any of its stages (to forbid moves
    altogether, grant no UPDATE)."""
    admin = ctx.require_admin()
    async with ctx.db() as session:
        role = await require_role(session, role_id, "roleId")
        if await session.get(Pipeline, pipeline_id) is None:
            raise not_found("Pipeline", pipeline_id, "pipelineId")
        stage_ids = set(
            await session.scalars(select(DealStage.id).where(DealStage.pipeline_id == pipeline_id))
        )
        for from_stage_id, to_stage_id in moves:
            if not {from_stage_id, to_stage_id} <= stage_ids:
                raise BadInput("Every stage of a move must be of the pipeline", field="transitions")
            if from_stage_id == to_stage_id:
                raise BadInput("A move must change the stage", field="transitions")
        await session.execute(
            delete(StageTransition).where(
                StageTransition.role_id == role_id, StageTransition.pipeline_id == pipeline_id
            )
        )
        session.add_all(
            StageTransition(
                role_id=role_id,
                pipeline_id=pipeline_id,
                from_stage_id=from_stage_id,
                to_stage_id=to_stage_id,
            )
            for from_stage_id, to_stage_id in sorted(set(moves))
        )
        await access_changed(session, actor_id=admin.user_id)
        await session.commit()
    ctx.forget_loaded()
    return role


async def forget_rules_of(
    session: AsyncSession, entity: CrmEntity, scopes: Sequence[RuleScope]
) -> None:
    """Deletes every role's permissions and field rules of pipelines or statuses about to be
    deleted: ids may be reused (SQLite reuses the highest), and a rule left behind would
    apply to whatever took the id."""
    await session.execute(
        delete(RolePermission).where(
            RolePermission.entity == entity, RolePermission.scope.in_(scopes)
        )
    )
    await session.execute(
        delete(FieldRule).where(FieldRule.entity == entity, FieldRule.scope.in_(scopes))
    )


async def _check_scope(session: AsyncSession, entity: CrmEntity, scope: RuleScope) -> None:
    """Refuses a scope the entity does not have: contacts and companies have no statuses,
    leads no pipelines; a named pipeline or status must exist."""
    if scope.kind is ScopeKind.ANY:
        return
    argument = SCOPE_ARGUMENTS[scope.kind]
    if not has_statuses(entity):
        raise BadInput(f"{entity.value} has no statuses: leave {argument} out", field=argument)
    # A pipeline or status scope always names its row (ScopeKind says which).
    target_id = scope.target_id or 0
    if scope.kind is ScopeKind.PIPELINE:
        if entity is not CrmEntity.DEAL:
            raise BadInput("Only deals have pipelines", field=argument)
        if await session.get(Pipeline, target_id) is None:
            raise not_found("Pipeline", target_id, argument)
    if scope.kind is ScopeKind.STATUS:
        model = declaration_of(entity).status_model
        if model is None:
            raise BadInput(f"{entity.value} has no statuses: leave {argument} out", field=argument)
        if await session.get(model, target_id) is None:
            raise not_found(model.__name__, target_id, argument)
