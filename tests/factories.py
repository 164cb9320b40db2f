"""Rows for tests, written straight to the database (argon2 runs once per test run)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from argon2 import PasswordHasher
from sqlalchemy.ext.asyncio import AsyncSession

from auth.policy.epoch import bump_policy_epoch
from models import (
    AccessAction,
    AccessLevel,
    Department,
    FieldRule,
    FieldRuleKind,
    Role,
    RoleAssignment,
    RolePermission,
    RuleScope,
    SessionFactory,
    User,
)
from models.crm import CrmEntity

PASSWORD = "demo"


@cache
def password_hash() -> str:
    """argon2id at its cheapest parameters: a verification reads them from the hash, so a
    test's login costs under a millisecond instead of a hundred (auth/passwords.py's own
    parameters are what users created through the API get)."""
    return PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash(PASSWORD)


@dataclass(frozen=True)
class Seed:
    root: Department
    sales: Department
    north: Department
    admin: User
    head: User
    member: User


async def seed_company(session_factory: SessionFactory) -> Seed:
    """Root ⊃ Sales ⊃ North; an admin at the root, a head of sales, a member of North."""
    async with session_factory() as session:
        root = await _department(session, "Root", None)
        sales = await _department(session, "Sales", root)
        north = await _department(session, "North", sales)
        admin = _user("admin@example.com", "Ada Admin", root, is_admin=True)
        head = _user("head@example.com", "Hugo Head", sales)
        member = _user("member@example.com", "Mia Member", north)
        session.add_all([admin, head, member])
        await session.flush()
        sales.head_id = head.id
        await session.commit()
    return Seed(root=root, sales=sales, north=north, admin=admin, head=head, member=member)


async def _department(session: AsyncSession, name: str, parent: Department | None) -> Department:
    department = Department(name=name, parent_id=parent.id if parent else None, path="")
    session.add(department)
    await session.flush()
    department.path = f"{parent.path if parent else '/'}{department.id}/"
    return department


def _user(email: str, name: str, department: Department, *, is_admin: bool = False) -> User:
    return User(
        email=email,
        name=name,
        position="",
        department_id=department.id,
        is_admin=is_admin,
        active=True,
        password_hash=password_hash(),
    )


async def grant_role(
    session_factory: SessionFactory,
    name: str,
    levels: dict[tuple[CrmEntity, AccessAction], AccessLevel],
    *,
    user: User | None = None,
    department: Department | None = None,
    statuses: dict[tuple[CrmEntity, AccessAction, int], AccessLevel] | None = None,
    field_rules: dict[tuple[CrmEntity, str], FieldRuleKind] | None = None,
) -> int:
    """A role with these ANY-status levels (and per-status ones, and field rules), held by
    ``user`` or ``department``; the policy epoch is bumped, as the admin API would."""
    async with session_factory() as session:
        role = Role(name=name, description="")
        session.add(role)
        await session.flush()
        session.add_all(
            RolePermission(role_id=role.id, entity=entity, action=action, level=level)
            for (entity, action), level in levels.items()
        )
        session.add_all(
            RolePermission(
                role_id=role.id,
                entity=entity,
                action=action,
                scope=RuleScope.of_status(status),
                level=level,
            )
            for (entity, action, status), level in (statuses or {}).items()
        )
        session.add_all(
            FieldRule(role_id=role.id, entity=entity, field=field, rule=rule)
            for (entity, field), rule in (field_rules or {}).items()
        )
        session.add(
            RoleAssignment(
                role_id=role.id,
                user_id=user.id if user else None,
                department_id=department.id if department else None,
            )
        )
        await bump_policy_epoch(session)
        await session.commit()
        return role.id


def every_action(level: AccessLevel) -> dict[tuple[CrmEntity, AccessAction], AccessLevel]:
    return {(entity, action): level for entity in CrmEntity for action in AccessAction}
