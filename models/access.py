"""Access control: roles, what they grant, who holds them, and the policy epoch.

Permissions and field rules have a scope (models/rule_scope.py): any status, a semantics, a
pipeline or one status; a role holds one rule per (entity, action or field, scope).
"""

from __future__ import annotations

import enum

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, BigId, CreatedAt, IntPk
from models.crm.common import CrmEntity, enum_column
from models.rule_scope import ANY_SCOPE, RuleScope, ScopeColumn

POLICY_EPOCH_ID = 1


class AccessAction(enum.Enum):
    READ = "READ"
    CREATE = "CREATE"
    UPDATE = "UPDATE"
    DELETE = "DELETE"
    EXPORT = "EXPORT"
    IMPORT = "IMPORT"


class AccessLevel(enum.Enum):
    """Whose records an action reaches, from nobody's to everybody's (ordered)."""

    NONE = "NONE"
    OWN = "OWN"
    DEPARTMENT = "DEPARTMENT"
    SUBDEPARTMENTS = "SUBDEPARTMENTS"
    OPEN = "OPEN"
    ALL = "ALL"


class FieldRuleKind(enum.Enum):
    HIDDEN = "HIDDEN"
    READ_ONLY = "READ_ONLY"


def _role_ref() -> Mapped[int]:
    return mapped_column(BigId, ForeignKey("roles.id", ondelete="CASCADE"))


class Role(Base):
    __tablename__ = "roles"

    id: Mapped[IntPk]
    name: Mapped[str] = mapped_column(String(100), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[CreatedAt]


class RolePermission(Base):
    __tablename__ = "role_permissions"

    id: Mapped[IntPk]
    role_id: Mapped[int] = _role_ref()
    entity: Mapped[CrmEntity] = mapped_column(enum_column(CrmEntity))
    action: Mapped[AccessAction] = mapped_column(enum_column(AccessAction))
    scope: Mapped[RuleScope] = mapped_column(ScopeColumn(), default=ANY_SCOPE)
    level: Mapped[AccessLevel] = mapped_column(enum_column(AccessLevel))

    __table_args__ = (UniqueConstraint("role_id", "entity", "action", "scope"),)


class FieldRule(Base):
    __tablename__ = "field_rules"

    id: Mapped[IntPk]
    role_id: Mapped[int] = _role_ref()
    entity: Mapped[CrmEntity] = mapped_column(enum_column(CrmEntity))
    field: Mapped[str] = mapped_column(String(64))
    scope: Mapped[RuleScope] = mapped_column(ScopeColumn(), default=ANY_SCOPE)
    rule: Mapped[FieldRuleKind] = mapped_column(enum_column(FieldRuleKind))

    __table_args__ = (UniqueConstraint("role_id", "entity", "field", "scope"),)


class RoleAssignment(Base):
    """A role held by one user, or by every member of a department and its sub-departments."""

    __tablename__ = "role_assignments"

    id: Mapped[IntPk]
    role_id: Mapped[int] = _role_ref()
    user_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    department_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("departments.id", ondelete="CASCADE"), index=True
    )

    __table_args__ = (
        CheckConstraint(
            "(user_id IS NULL AND department_id IS NOT NULL)"
            " OR (user_id IS NOT NULL AND department_id IS NULL)",
            name="one_holder",
        ),
        # NULLs never collide, so each constraint only bites on its own kind of holder.
        UniqueConstraint("role_id", "user_id"),
        UniqueConstraint("role_id", "department_id"),
    )


class StageTransition(Base):
    """A stage move a role may make. A role with no rows for a pipeline may make any move."""

    __tablename__ = "stage_transitions"

    id: Mapped[IntPk]
    role_id: Mapped[int] = _role_ref()
    pipeline_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("crm_pipelines.id", ondelete="CASCADE")
    )
    from_stage_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("crm_deal_stages.id", ondelete="CASCADE")
    )
    to_stage_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("crm_deal_stages.id", ondelete="CASCADE")
    )

    __table_args__ = (
        UniqueConstraint(
            "role_id",
            "pipeline_id",
            "from_stage_id",
            "to_stage_id",
            name="uq_stage_transitions_move",
        ),
        Index("ix_stage_transitions_pipeline_id", "pipeline_id"),
    )


class PolicyEpoch(Base):
    """One row whose counter grows with every change that may alter anyone's access.

    Read in the statement that authenticates a token: a changed epoch makes every process
    recompile the viewer's policy on the next request, with or without the event bus.
    """

    __tablename__ = "policy_epoch"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    epoch: Mapped[int] = mapped_column(BigInteger, default=0)
