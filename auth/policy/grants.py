"""One role's grants, as loaded from the database: the raw material of a compiled policy."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from auth.policy.scopes import BROAD_KINDS, Placement
from models import AccessAction, AccessLevel, FieldRuleKind, RuleScope, ScopeKind
from models.crm import CrmEntity

PermissionKey = tuple[CrmEntity, AccessAction, RuleScope]
FieldRuleKey = tuple[CrmEntity, str, RuleScope]
Move = tuple[int, int]

# For a field whose rule cannot be told (a status unknown to the policy): the strictest.
STRICTNESS = {FieldRuleKind.READ_ONLY: 1, FieldRuleKind.HIDDEN: 2}


@dataclass(frozen=True)
class RoleGrants:
    role_id: int
    name: str
    # (entity, action, scope) → level
    levels: Mapping[PermissionKey, AccessLevel] = field(default_factory=dict)
    # (entity, field, scope) → rule
    field_rules: Mapping[FieldRuleKey, FieldRuleKind] = field(default_factory=dict)
    # pipeline id → the (from stage, to stage) moves allowed; a pipeline absent is unrestricted
    transitions: Mapping[int, frozenset[Move]] = field(default_factory=dict)

    def level(self, entity: CrmEntity, action: AccessAction, placement: Placement) -> AccessLevel:
        """The level of the role's most specific rule for the record's place, NONE without
        one. A more specific rule overrides a broader one in both directions, so "OWN
        everywhere but NONE in won stages" is two rules."""
        key = self.permission_key(entity, action, placement)
        return self.levels[key] if key is not None else AccessLevel.NONE

    def permission_key(
        self, entity: CrmEntity, action: AccessAction, placement: Placement
    ) -> PermissionKey | None:
        """The rule that decides the role's level for a record so placed; None when no rule
        applies, or when the status is unknown to the policy and a pipeline or semantics
        rule might (the level is then NONE until the policy is recompiled)."""
        undecidable = not placement.known and self.rules_broadly(entity, action)
        for scope in placement.scopes:
            if undecidable and scope.kind is not ScopeKind.STATUS:
                return None
            key = (entity, action, scope)
            if key in self.levels:
                return key
        return None

    def rules_broadly(self, entity: CrmEntity, action: AccessAction) -> bool:
        """Whether the role has a pipeline or semantics rule for (entity, action)."""
        return any(
            ruled is entity and acted is action and scope.kind in BROAD_KINDS
            for (ruled, acted, scope) in self.levels
        )

    def scoped(self, entity: CrmEntity, action: AccessAction) -> bool:
        """Whether the role has a rule for (entity, action) narrower than ANY: its level
        then depends on the record's status."""
        return any(
            ruled is entity and acted is action and scope.kind is not ScopeKind.ANY
            for (ruled, acted, scope) in self.levels
        )

    def named_statuses(self, entity: CrmEntity, action: AccessAction) -> set[int]:
        """The statuses the role has a rule of their own for."""
        return {
            scope.target_id
            for (ruled, acted, scope) in self.levels
            if ruled is entity
            and acted is action
            and scope.kind is ScopeKind.STATUS
            and scope.target_id is not None
        }

    def rule(
        self, entity: CrmEntity, field_name: str, placement: Placement
    ) -> FieldRuleKind | None:
        """The role's most specific rule for the field in the record's place. For a status
        unknown to the policy, without a rule of its own, where a pipeline or semantics rule
        of the field might apply: the strictest of the field's broader rules."""
        if not placement.known:
            own = [
                self.field_rules.get((entity, field_name, scope))
                for scope in placement.scopes
                if scope.kind is ScopeKind.STATUS
            ]
            broader = self._broader_rules(entity, field_name)
            if not any(own) and any(scope.kind in BROAD_KINDS for scope in broader):
                return max(broader.values(), key=STRICTNESS.__getitem__)
        for scope in placement.scopes:
            found = self.field_rules.get((entity, field_name, scope))
            if found is not None:
                return found
        return None

    def _broader_rules(self, entity: CrmEntity, field_name: str) -> dict[RuleScope, FieldRuleKind]:
        return {
            scope: kind
            for (ruled, name, scope), kind in self.field_rules.items()
            if ruled is entity and name == field_name and scope.kind is not ScopeKind.STATUS
        }

    def ruled_fields(
        self, entity: CrmEntity, placement: Placement, kinds: frozenset[FieldRuleKind]
    ) -> frozenset[str]:
        names = {name for (ruled, name, _scope) in self.field_rules if ruled is entity}
        return frozenset(name for name in names if self.rule(entity, name, placement) in kinds)

    def may_move(self, pipeline_id: int, from_stage_id: int, to_stage_id: int) -> bool:
        moves = self.transitions.get(pipeline_id)
        return moves is None or (from_stage_id, to_stage_id) in moves
