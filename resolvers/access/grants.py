"""What roles grant: levels per entity, action and status; field rules; stage transitions.

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
    ANY_STATUS,
    AccessAction,
    AccessLevel,
    FieldRule,
    FieldRuleKind,
    Role,
    RolePermission,
    StageTransition,
)
from models.crm import CrmEntity, DealStage, LeadStatus, Pipeline
from resolvers.access.freshness import access_changed
from resolvers.access.roles import require_role
from resolvers.context import RequestContext
from resolvers.errors import BadInput, NotFound


@dataclass(frozen=True)
class PermissionChange:
    entity: CrmEntity
    action: AccessAction
    # None: every status without a row of its own (ANY).
    status_id: int | None
    # None removes the row: the status falls back to the role's ANY row.
    level: AccessLevel | None


@dataclass(frozen=True)
class FieldRuleChange:
    entity: CrmEntity
    field: str
    status_id: int | None
    # None clears the rule.
    rule: FieldRuleKind | None


async def permissions_by_role_id(
    ctx: RequestContext, role_ids: list[int]
) -> Sequence[list[RolePermission]]:
    async with ctx.db() as session:
        rows = await session.scalars(
            select(RolePermission)
            .where(RolePermission.role_id.in_(role_ids))
            .order_by(RolePermission.entity, RolePermission.action, RolePermission.status_id)
        )
        return _grouped(rows, role_ids)


async def field_rules_by_role_id(
    ctx: RequestContext, role_ids: list[int]
) -> Sequence[list[FieldRule]]:
    async with ctx.db() as session:
        rows = await session.scalars(
            select(FieldRule)
            .where(FieldRule.role_id.in_(role_ids))
            .order_by(FieldRule.entity, FieldRule.field, FieldRule.status_id)
        )
        return _grouped(rows, role_ids)


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
        status_key = await _status_key(session, change.entity, change.status_id)
        existing = await session.scalar(
            select(RolePermission).where(
                RolePermission.role_id == role_id,
                RolePermission.entity == change.entity,
                RolePermission.action == change.action,
                RolePermission.status_id == status_key,
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
                    status_id=status_key,
                    level=change.level,
                )
            )
        await access_changed(session, actor_id=admin.user_id)
        await session.commit()
    ctx.forget_loaded()
    return role


async def set_field_rule(ctx: RequestContext, role_id: int, change: FieldRuleChange) -> Role:
    admin = ctx.require_admin()
    known = ENTITY_FIELDS[change.entity]
    if change.field not in known:
        raise BadInput(
            f"{change.entity.value} has no field '{change.field}'; "
            f"known: {', '.join(sorted(known))}",
            field="field",
        )
    async with ctx.db() as session:
        role = await require_role(session, role_id, "roleId")
        status_key = await _status_key(session, change.entity, change.status_id)
        existing = await session.scalar(
            select(FieldRule).where(
                FieldRule.role_id == role_id,
                FieldRule.entity == change.entity,
                FieldRule.field == change.field,
                FieldRule.status_id == status_key,
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
                    status_id=status_key,
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
            raise NotFound(f"No pipeline with id {pipeline_id}", field="pipelineId")
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


async def _status_key(session: AsyncSession, entity: CrmEntity, status_id: int | None) -> int:
    """The stored key of a status: ANY_STATUS for None; refused for a status the entity
    does not have."""
    if status_id is None:
        return ANY_STATUS
    if not has_statuses(entity):
        raise BadInput(f"{entity.value} has no statuses: leave statusId out", field="statusId")
    model = LeadStatus if entity is CrmEntity.LEAD else DealStage
    if await session.get(model, status_id) is None:
        raise NotFound(f"No {entity.value.lower()} status with id {status_id}", field="statusId")
    return status_id
