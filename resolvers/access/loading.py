"""Loading a viewer's roles and compiling their policy: one statement on a cache miss, none
on a hit (the epoch came with the token check)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import BigInteger, ColumnElement, Row, String, cast, literal, null, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from auth.policy import CompiledPolicy, RoleGrants
from auth.policy.grants import FieldRuleKey, Move, PermissionKey
from auth.viewer import Viewer
from models import (
    AccessAction,
    AccessLevel,
    FieldRule,
    FieldRuleKind,
    Role,
    RoleAssignment,
    RolePermission,
    StageTransition,
)
from models.crm import CrmEntity
from resolvers.context import Services

PERMISSION, FIELD_RULE, TRANSITION = "P", "F", "T"


def ancestor_ids(department_path: str) -> list[int]:
    """The department of a path and every department above it: "/1/4/9/" → [1, 4, 9]."""
    return [int(part) for part in department_path.split("/") if part]


def held_role_ids(user_id: int, department_path: str) -> ColumnElement[bool]:
    """Roles assigned to the user, or to their department or one above it (inherited)."""
    holders = [RoleAssignment.user_id == user_id]
    departments = ancestor_ids(department_path)
    if departments:
        holders.append(RoleAssignment.department_id.in_(departments))
    return Role.id.in_(select(RoleAssignment.role_id).where(or_(*holders)))


async def load_role_grants(
    session: AsyncSession, user_id: int, department_path: str
) -> list[RoleGrants]:
    """Every role the user holds with its grants, in one UNION ALL statement whose rows are
    (role, kind, entity, action or field, status or from-stage, level or rule, pipeline,
    to-stage)."""
    held = held_role_ids(user_id, department_path)
    no_text, no_id = cast(null(), String), cast(null(), BigInteger)
    permissions = (
        select(
            Role.id,
            Role.name,
            literal(PERMISSION),
            cast(RolePermission.entity, String),
            cast(RolePermission.action, String),
            cast(RolePermission.status_id, BigInteger),
            cast(RolePermission.level, String),
            no_id,
            no_id,
        )
        .join(RolePermission, RolePermission.role_id == Role.id)
        .where(held)
    )
    field_rules = (
        select(
            Role.id,
            Role.name,
            literal(FIELD_RULE),
            cast(FieldRule.entity, String),
            FieldRule.field,
            cast(FieldRule.status_id, BigInteger),
            cast(FieldRule.rule, String),
            no_id,
            no_id,
        )
        .join(FieldRule, FieldRule.role_id == Role.id)
        .where(held)
    )
    transitions = (
        select(
            Role.id,
            Role.name,
            literal(TRANSITION),
            no_text,
            no_text,
            cast(StageTransition.from_stage_id, BigInteger),
            no_text,
            cast(StageTransition.pipeline_id, BigInteger),
            cast(StageTransition.to_stage_id, BigInteger),
        )
        .join(StageTransition, StageTransition.role_id == Role.id)
        .where(held)
    )
    rows = (await session.execute(permissions.union_all(field_rules, transitions))).all()
    return _grants_of(rows)


def _grants_of(rows: Sequence[Row[Any]]) -> list[RoleGrants]:
    names: dict[int, str] = {}
    levels: dict[int, dict[PermissionKey, AccessLevel]] = defaultdict(dict)
    rules: dict[int, dict[FieldRuleKey, FieldRuleKind]] = defaultdict(dict)
    moves: dict[int, dict[int, set[Move]]] = defaultdict(lambda: defaultdict(set))
    for role_id, name, kind, entity, key, status_or_from, value, pipeline_id, to_stage in rows:
        names[role_id] = name
        if kind == PERMISSION:
            permission = (CrmEntity(entity), AccessAction(key), status_or_from)
            levels[role_id][permission] = AccessLevel(value)
        elif kind == FIELD_RULE:
            rule = (CrmEntity(entity), key, status_or_from)
            rules[role_id][rule] = FieldRuleKind(value)
        else:
            move = (status_or_from, to_stage)
            moves[role_id][pipeline_id].add(move)
    return [
        RoleGrants(
            role_id=role_id,
            name=name,
            levels=levels[role_id],
            field_rules=rules[role_id],
            transitions={pipeline: frozenset(pairs) for pipeline, pairs in moves[role_id].items()},
        )
        for role_id, name in sorted(names.items())
    ]


async def compile_policy(session: AsyncSession, viewer: Viewer) -> CompiledPolicy:
    if viewer.is_admin:
        return CompiledPolicy(viewer, [])
    grants = await load_role_grants(session, viewer.user_id, viewer.department_path)
    return CompiledPolicy(viewer, grants)


async def policy_for(services: Services, viewer: Viewer) -> CompiledPolicy:
    """The viewer's compiled policy, from the process's cache when their epoch is current."""
    cached = services.policies.get(viewer)
    if cached is not None:
        return cached
    async with services.session_factory() as session:
        policy = await compile_policy(session, viewer)
    services.policies.put(viewer, policy)
    return policy
