"""Demo roles and who holds them. Idempotent: roles are matched by name and only missing
roles (with their grants) and missing assignments are added.

- Administrator: ALL for everything; held by admin@example.com.
- Head of sales: SUBDEPARTMENTS for everything; held by Irina Volkova (Sales).
- Sales manager: OWN for every action, OPEN for READ; held by the Sales North department
  (all its members) and by Sales South's team lead and managers one by one — not by the
  Sales department, whose roles Sales South's intern would inherit, undoing the Intern role.
- Intern: OWN for READ only, NONE for READ in won deals (stages of SUCCESS semantics, in
  every pipeline, later ones included), deal amount hidden; held by Nikita Novikov (Sales
  South).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from auth.policy.epoch import bump_policy_epoch
from auth.policy.grants import PermissionKey
from models import (
    ANY_SCOPE,
    AccessAction,
    AccessLevel,
    Department,
    FieldRule,
    FieldRuleKind,
    Role,
    RoleAssignment,
    RolePermission,
    RuleScope,
    User,
)
from models.crm import CrmEntity, Semantics

ADMINISTRATOR, HEAD_OF_SALES, SALES_MANAGER, INTERN = (
    "Administrator",
    "Head of sales",
    "Sales manager",
    "Intern",
)
DESCRIPTIONS = {
    ADMINISTRATOR: "Every record, every action.",
    HEAD_OF_SALES: "Records of their department and the departments below it.",
    SALES_MANAGER: "Their own records; reads every opened record too.",
    INTERN: "Reads their own records, but no won deals and no deal amounts.",
}
# (role, user e-mail or None, department name or None)
ASSIGNMENTS = [
    (ADMINISTRATOR, "admin@example.com", None),
    (HEAD_OF_SALES, "irina.volkova@example.com", None),
    (SALES_MANAGER, None, "Sales North"),
    (SALES_MANAGER, "olga.popova@example.com", None),
    (SALES_MANAGER, "sergey.lebedev@example.com", None),
    (SALES_MANAGER, "elena.kozlova@example.com", None),
    (INTERN, "nikita.novikov@example.com", None),
]


Levels = dict[PermissionKey, AccessLevel]


WON = RuleScope.of_semantics(Semantics.SUCCESS)


def _everywhere(level: AccessLevel) -> Levels:
    return {(entity, action, ANY_SCOPE): level for entity in CrmEntity for action in AccessAction}


def _grants() -> dict[str, Levels]:
    reads = [(entity, AccessAction.READ, ANY_SCOPE) for entity in CrmEntity]
    sales_manager = _everywhere(AccessLevel.OWN) | dict.fromkeys(reads, AccessLevel.OPEN)
    intern: Levels = dict.fromkeys(reads, AccessLevel.OWN)
    intern[(CrmEntity.DEAL, AccessAction.READ, WON)] = AccessLevel.NONE
    return {
        ADMINISTRATOR: _everywhere(AccessLevel.ALL),
        HEAD_OF_SALES: _everywhere(AccessLevel.SUBDEPARTMENTS),
        SALES_MANAGER: sales_manager,
        INTERN: intern,
    }


async def ensure_demo_access(session: AsyncSession) -> bool:
    """Adds the missing demo roles and assignments; False when there was nothing to add."""
    roles = {role.name: role for role in await session.scalars(select(Role))}
    added = False
    for name, levels in _grants().items():
        if name in roles:
            continue
        role = Role(name=name, description=DESCRIPTIONS[name])
        session.add(role)
        await session.flush()
        session.add_all(_permissions(role.id, levels))
        if name == INTERN:
            session.add(
                FieldRule(
                    role_id=role.id,
                    entity=CrmEntity.DEAL,
                    field="amount",
                    scope=ANY_SCOPE,
                    rule=FieldRuleKind.HIDDEN,
                )
            )
        roles[name] = role
        added = True
    added = await _ensure_assignments(session, roles) or added
    if added:
        await bump_policy_epoch(session)
    return added


def _permissions(role_id: int, levels: Levels) -> list[RolePermission]:
    return [
        RolePermission(role_id=role_id, entity=entity, action=action, scope=scope, level=level)
        for (entity, action, scope), level in levels.items()
    ]


async def _ensure_assignments(session: AsyncSession, roles: dict[str, Role]) -> bool:
    users = dict((await session.execute(select(User.email, User.id))).tuples().all())
    departments = dict(
        (await session.execute(select(Department.name, Department.id))).tuples().all()
    )
    held = set(
        (
            await session.execute(
                select(RoleAssignment.role_id, RoleAssignment.user_id, RoleAssignment.department_id)
            )
        )
        .tuples()
        .all()
    )
    added = False
    for role_name, email, department_name in ASSIGNMENTS:
        user_id = users.get(email) if email else None
        department_id = departments.get(department_name) if department_name else None
        if user_id is None and department_id is None:
            continue
        key = (roles[role_name].id, user_id, department_id)
        if key not in held:
            session.add(
                RoleAssignment(role_id=key[0], user_id=user_id, department_id=department_id)
            )
            held.add(key)
            added = True
    return added
