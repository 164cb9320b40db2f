"""SQLAlchemy 2.0 typed ORM models, one module per aggregate."""

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

import models.crm  # noqa: F401  (registers the CRM tables on Base.metadata)
from models.access import (
    ANY_STATUS,
    POLICY_EPOCH_ID,
    AccessAction,
    AccessLevel,
    FieldRule,
    FieldRuleKind,
    PolicyEpoch,
    Role,
    RoleAssignment,
    RolePermission,
    StageTransition,
)
from models.base import Base, utcnow
from models.identity import Department, User
from models.sessions import AuthToken, LoginFailure

SessionFactory = async_sessionmaker[AsyncSession]

__all__ = [
    "ANY_STATUS",
    "POLICY_EPOCH_ID",
    "AccessAction",
    "AccessLevel",
    "AuthToken",
    "Base",
    "Department",
    "FieldRule",
    "FieldRuleKind",
    "LoginFailure",
    "PolicyEpoch",
    "Role",
    "RoleAssignment",
    "RolePermission",
    "SessionFactory",
    "StageTransition",
    "User",
    "utcnow",
]
