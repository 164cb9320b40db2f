"""Loading a viewer's roles and compiling their policy: one statement on a cache miss, none
on a hit (the epoch came with the token check)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Row,
    Select,
    String,
    cast,
    literal,
    null,
    or_,
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession

from auth.policy import CompiledPolicy, RoleGrants, StatusCatalog, StatusFacts
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
    RuleScope,
    StageTransition,
)
from models.crm import CrmEntity, DealStage, LeadStatus, Semantics
from resolvers.context import Services

PERMISSION, FIELD_RULE, TRANSITION, STATUS = "P", "F", "T", "S"


def ancestor_ids(department_path: str) -> list[int]:
    """The department of a path and every department above it: "/1/4/9/" → [1, 4, 9]."""
    return [int(part) for part in department_path.split("/") if part]


def held_role_ids(
    user_id: int, department_path: str, role_limit: int | None = None
) -> ColumnElement[bool]:
    """Roles assigned to the user, or to their department or one above it (inherited); an
    API key limited to a role holds that role only."""
    if role_limit is not None:
        return Role.id == role_limit
    holders = [RoleAssignment.user_id == user_id]
    departments = ancestor_ids(department_path)
    if departments:
        holders.append(RoleAssignment.department_id.in_(departments))
    return Role.id.in_(select(RoleAssignment.role_id).where(or_(*holders)))


async def load_role_grants(
    session: AsyncSession, user_id: int, department_path: str
) -> list[RoleGrants]:
    """Every role the user holds, with its grants, in one statement."""
    held = held_role_ids(user_id, department_path)
    grants, _catalog = await _load(session, held, with_catalog=False)
    return grants


async def compile_policy(
    session: AsyncSession, viewer: Viewer, catalog: StatusCatalog | None = None
) -> CompiledPolicy:
    """The viewer's policy, from one statement: their roles' grants, and the status catalog
    too unless one (of the same policy epoch) is given."""
    if viewer.is_admin:
        return CompiledPolicy(viewer, [])
    grants, loaded = await _load(
        session,
        held_role_ids(viewer.user_id, viewer.department_path, viewer.role_limit),
        with_catalog=catalog is None,
    )
    return CompiledPolicy(viewer, grants, catalog if catalog is not None else loaded)


async def _load(
    session: AsyncSession, held: ColumnElement[bool], *, with_catalog: bool
) -> tuple[list[RoleGrants], StatusCatalog]:
    """One UNION ALL statement whose rows are (role id, role name, kind, entity, action or
    field or semantics, scope, level or rule, three ids): the grants of every held role, and
    with ``with_catalog`` every lead status and deal stage (without role)."""
    no_text, no_id = cast(null(), String), cast(null(), BigInteger)
    permissions = (
        select(
            Role.id,
            Role.name,
            literal(PERMISSION),
            cast(RolePermission.entity, String),
            cast(RolePermission.action, String),
            cast(RolePermission.scope, String),
            cast(RolePermission.level, String),
            no_id,
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
            cast(FieldRule.scope, String),
            cast(FieldRule.rule, String),
            no_id,
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
            no_text,
            no_text,
            cast(StageTransition.pipeline_id, BigInteger),
            cast(StageTransition.from_stage_id, BigInteger),
            cast(StageTransition.to_stage_id, BigInteger),
        )
        .join(StageTransition, StageTransition.role_id == Role.id)
        .where(held)
    )
    parts = [field_rules, transitions]
    if with_catalog:
        parts += _catalog_rows(no_text, no_id)
    rows = (await session.execute(permissions.union_all(*parts))).all()
    return _grants_of(rows), _catalog_of(rows)


def _catalog_rows(no_text: Any, no_id: Any) -> list[Select[Any]]:
    """Every lead status and deal stage with its semantics (and pipeline)."""
    no_role = cast(null(), BigInteger)
    return [
        select(
            no_role,
            no_text,
            literal(STATUS),
            literal(CrmEntity.LEAD.value),
            cast(LeadStatus.semantics, String),
            no_text,
            no_text,
            cast(LeadStatus.id, BigInteger),
            no_id,
            no_id,
        ),
        select(
            no_role,
            no_text,
            literal(STATUS),
            literal(CrmEntity.DEAL.value),
            cast(DealStage.semantics, String),
            no_text,
            no_text,
            cast(DealStage.id, BigInteger),
            cast(DealStage.pipeline_id, BigInteger),
            no_id,
        ),
    ]


def _grants_of(rows: Sequence[Row[Any]]) -> list[RoleGrants]:
    names: dict[int, str] = {}
    levels: dict[int, dict[PermissionKey, AccessLevel]] = defaultdict(dict)
    rules: dict[int, dict[FieldRuleKey, FieldRuleKind]] = defaultdict(dict)
    moves: dict[int, dict[int, set[Move]]] = defaultdict(lambda: defaultdict(set))
    for role_id, name, kind, entity, key, scope, value, first, second, third in rows:
        if kind == STATUS:
            continue
        names[role_id] = name
        if kind == PERMISSION:
            permission = (CrmEntity(entity), AccessAction(key), RuleScope.decode(scope))
            levels[role_id][permission] = AccessLevel(value)
        elif kind == FIELD_RULE:
            rule = (CrmEntity(entity), key, RuleScope.decode(scope))
            rules[role_id][rule] = FieldRuleKind(value)
        else:
            moves[role_id][first].add((second, third))
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


def _catalog_of(rows: Sequence[Row[Any]]) -> StatusCatalog:
    statuses: dict[CrmEntity, dict[int, StatusFacts]] = defaultdict(dict)
    for _role, _name, kind, entity, semantics, _scope, _value, status_id, pipeline_id, _ in rows:
        if kind == STATUS:
            statuses[CrmEntity(entity)][status_id] = StatusFacts(Semantics(semantics), pipeline_id)
    return StatusCatalog(dict(statuses))


async def policy_for(
    services: Services, viewer: Viewer, session: AsyncSession | None = None
) -> CompiledPolicy:
    """The viewer's compiled policy, from the process's cache when their epoch is current;
    else compiled on ``session`` (a request's own: holding its connection while waiting for
    a second one, many cold requests at once would starve a small pool) or a session of its
    own."""
    cached = services.policies.get(viewer)
    if cached is not None:
        return cached
    catalog = services.policies.catalog(viewer.policy_epoch)
    if session is None:
        async with services.session_factory() as own:
            policy = await compile_policy(own, viewer, catalog)
    else:
        policy = await compile_policy(session, viewer, catalog)
    services.policies.put(viewer, policy)
    return policy
