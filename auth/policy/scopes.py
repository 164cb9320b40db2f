"""Which rules apply to a record: its status, and what the policy knows of that status (its
pipeline and semantics), give the scopes to look a rule up in, most specific first.

Precedence, within one role: STATUS > PIPELINE > SEMANTICS > ANY.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from models import ANY_SCOPE, AccessAction, RuleScope, ScopeKind
from models.crm import CrmEntity, Semantics
from models.global_ids import global_id

BROAD_KINDS = frozenset({ScopeKind.SEMANTICS, ScopeKind.PIPELINE})


@dataclass(frozen=True, slots=True)
class StatusFacts:
    """What a lead status or deal stage is, for the rules that do not name it."""

    semantics: Semantics
    # The pipeline of a deal stage; None for lead statuses.
    pipeline_id: int | None = None


@dataclass(frozen=True, slots=True)
class Placement:
    """Where a record stands for the rules: the scopes to look in, most specific first,
    ending with ANY."""

    scopes: tuple[RuleScope, ...]
    # False for a status the policy was compiled without (created since): its pipeline and
    # semantics are unknown, so a role with pipeline or semantics rules cannot be judged.
    known: bool = True


ANYWHERE = Placement((ANY_SCOPE,))
# A status unknown to the policy that no rule names.
UNPLACED = Placement((ANY_SCOPE,), known=False)


@dataclass(frozen=True)
class StatusCatalog:
    """The lead statuses and deal stages, with their semantics and pipelines, as they were
    when the policy was compiled. Creating or deleting one bumps the policy epoch, so every
    policy is recompiled with the new catalog on its viewer's next request."""

    statuses: Mapping[CrmEntity, Mapping[int, StatusFacts]] = field(default_factory=dict)
    _placements: dict[tuple[CrmEntity, int], Placement] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        for entity, facts in self.statuses.items():
            for status_id, status in facts.items():
                self._placements[(entity, status_id)] = _placement(status_id, status)

    def known(self, entity: CrmEntity) -> Mapping[int, StatusFacts]:
        return self.statuses.get(entity, {})

    def placement(self, entity: CrmEntity, status_id: int | None) -> Placement:
        if status_id is None:
            return ANYWHERE
        found = self._placements.get((entity, status_id))
        if found is not None:
            return found
        return Placement((RuleScope.of_status(status_id), ANY_SCOPE), known=False)


def _placement(status_id: int, status: StatusFacts) -> Placement:
    scopes = [RuleScope.of_status(status_id)]
    if status.pipeline_id is not None:
        scopes.append(RuleScope.of_pipeline(status.pipeline_id))
    scopes += [RuleScope.of_semantics(status.semantics), ANY_SCOPE]
    return Placement(tuple(scopes))


def status_global_id(entity: CrmEntity, status_id: int) -> str:
    """A lead status or deal stage as clients name it (explanations show no database keys)."""
    return global_id("DealStage" if entity is CrmEntity.DEAL else "LeadStatus", status_id)


def describe_rule(entity: CrmEntity, action: AccessAction, scope: RuleScope) -> str:
    """A rule in words, e.g. "DEAL READ for stages of semantics SUCCESS"."""
    status, statuses = ("stage", "stages") if entity is CrmEntity.DEAL else ("status", "statuses")
    subject = f"{entity.value} {action.value}"
    if scope.kind is ScopeKind.STATUS and scope.target_id is not None:
        return f"{subject} in {status} {status_global_id(entity, scope.target_id)}"
    if scope.kind is ScopeKind.PIPELINE and scope.target_id is not None:
        return f"{subject} for stages of pipeline {global_id('Pipeline', scope.target_id)}"
    if scope.semantics is not None:
        return f"{subject} for {statuses} of semantics {scope.semantics.value}"
    return f"{subject} in any status"
