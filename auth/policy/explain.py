"""Explanations of access decisions: which role and which of its rules decided."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from auth.policy.grants import PermissionKey, RoleGrants
from auth.policy.levels import Envelope, admits, rank
from auth.policy.scopes import Placement, describe_rule, status_global_id
from auth.viewer import Viewer
from models import AccessAction, AccessLevel
from models.crm import CrmEntity


@dataclass(frozen=True)
class Decision:
    allowed: bool
    # The role whose rule decided; None for administrators and when no rule applies at all.
    role: str | None
    level: AccessLevel
    # The rule that decided, e.g. "DEAL READ for stages of semantics SUCCESS", or
    # "administrator".
    rule: str
    reason: str


def explain(
    viewer: Viewer,
    roles: Sequence[RoleGrants],
    action: AccessAction,
    envelope: Envelope,
    placement: Placement,
) -> Decision:
    """The highest level that reaches the record decides; failing that, the highest level
    granted; failing that (every role grants NONE here), the most specific rule saying so."""
    entity = envelope.entity
    judged = [(role, role.permission_key(entity, action, placement)) for role in roles]
    ruled = [(role, key, role.levels[key]) for role, key in judged if key is not None]
    ruled.sort(key=lambda entry: rank(entry[2]), reverse=True)
    for role, key, level in ruled:
        if admits(level, viewer, envelope):
            return Decision(
                True, role.name, level, _words(key), f"{level.value} reaches the record"
            )
    if ruled and ruled[0][2] is not AccessLevel.NONE:
        role, key, level = ruled[0]
        return Decision(
            False, role.name, level, _words(key), f"{level.value} does not reach this record"
        )
    if ruled:
        role, key, level = max(ruled, key=lambda entry: entry[1][2].sort_key)
        rule = _words(key)
        return Decision(False, role.name, level, rule, f"{rule} (role {role.name}) grants NONE")
    return Decision(False, None, AccessLevel.NONE, "none", _nothing(entity, action, envelope))


def _words(key: PermissionKey) -> str:
    entity, action, scope = key
    return describe_rule(entity, action, scope)


def _nothing(entity: CrmEntity, action: AccessAction, envelope: Envelope) -> str:
    status_id = envelope.status_id
    where = "" if status_id is None else f" in status {status_global_id(entity, status_id)}"
    return f"No role grants {action.value} on {entity.value}{where}"
