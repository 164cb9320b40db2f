"""One role's grants, as loaded from the database: the raw material of a compiled policy."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from models import ANY_STATUS, AccessAction, AccessLevel, FieldRuleKind
from models.crm import CrmEntity

PermissionKey = tuple[CrmEntity, AccessAction, int]
FieldRuleKey = tuple[CrmEntity, str, int]
Move = tuple[int, int]


@dataclass(frozen=True)
class RoleGrants:
    role_id: int
    name: str
    # (entity, action, status id or ANY_STATUS) → level
    levels: Mapping[PermissionKey, AccessLevel] = field(default_factory=dict)
    # (entity, field, status id or ANY_STATUS) → rule
    field_rules: Mapping[FieldRuleKey, FieldRuleKind] = field(default_factory=dict)
    # pipeline id → the (from stage, to stage) moves allowed; a pipeline absent is unrestricted
    transitions: Mapping[int, frozenset[Move]] = field(default_factory=dict)

    def level(self, entity: CrmEntity, action: AccessAction, status_id: int | None) -> AccessLevel:
        """The level for a status: its own row if the role has one, else the role's ANY row.

        A status row overrides ANY in both directions, so "OWN everywhere but NONE in Won"
        is two rows.
        """
        return self.levels.get(self.permission_key(entity, action, status_id), AccessLevel.NONE)

    def permission_key(
        self, entity: CrmEntity, action: AccessAction, status_id: int | None
    ) -> PermissionKey:
        """The row that decides the level for a status (it may not exist: NONE then)."""
        if status_id is not None and (entity, action, status_id) in self.levels:
            return (entity, action, status_id)
        return (entity, action, ANY_STATUS)

    def rule(
        self, entity: CrmEntity, field_name: str, status_id: int | None
    ) -> FieldRuleKind | None:
        if status_id is not None and (entity, field_name, status_id) in self.field_rules:
            return self.field_rules[(entity, field_name, status_id)]
        return self.field_rules.get((entity, field_name, ANY_STATUS))

    def ruled_fields(
        self, entity: CrmEntity, status_id: int | None, kinds: frozenset[FieldRuleKind]
    ) -> frozenset[str]:
        names = {name for (ruled, name, _status) in self.field_rules if ruled is entity}
        return frozenset(name for name in names if self.rule(entity, name, status_id) in kinds)

    def may_move(self, pipeline_id: int, from_stage_id: int, to_stage_id: int) -> bool:
        moves = self.transitions.get(pipeline_id)
        return moves is None or (from_stage_id, to_stage_id) in moves

    def explicit_statuses(self, entity: CrmEntity, action: AccessAction) -> set[int]:
        return {
            status
            for (ruled, acted, status) in self.levels
            if ruled is entity and acted is action and status != ANY_STATUS
        }
