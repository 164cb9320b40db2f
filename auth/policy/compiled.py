"""A viewer's policy compiled once (per user and policy epoch) from the roles they hold.

Effective level for (entity, action, status): per role, its most specific rule for the
status — STATUS > PIPELINE > SEMANTICS > ANY, the status's pipeline and semantics taken from
the catalog the policy is compiled with — then the highest over the viewer's roles.
Administrators bypass everything.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from sqlalchemy import ColumnElement, SQLColumnExpression, and_, false, or_, true

from auth.policy.entities import (
    ENTITY_FIELDS,
    RECORD_COLUMNS,
    RecordColumns,
    has_statuses,
    with_revealing,
)
from auth.policy.explain import Decision, explain
from auth.policy.grants import RoleGrants
from auth.policy.levels import Envelope, admits, department_predicate, highest, predicate
from auth.policy.scopes import ANYWHERE, UNPLACED, Placement, StatusCatalog
from auth.viewer import Viewer
from models import AccessAction, AccessLevel, FieldRuleKind
from models.crm import CrmEntity

HIDING = frozenset({FieldRuleKind.HIDDEN})
LOCKING = frozenset({FieldRuleKind.HIDDEN, FieldRuleKind.READ_ONLY})


@dataclass(frozen=True)
class StatusLevels:
    """The effective levels of one (entity, action)."""

    # For "any status": contacts and companies, and the summary's default row.
    anywhere: AccessLevel
    # For every status not in ``by_status``, including statuses unknown to the policy.
    fallback: AccessLevel
    # The known statuses whose level differs from ``fallback``.
    by_status: dict[int, AccessLevel]

    def at(self, status_id: int | None) -> AccessLevel:
        if status_id is None:
            return self.anywhere
        return self.by_status.get(status_id, self.fallback)


@dataclass(frozen=True)
class PermissionSummary:
    entity: CrmEntity
    action: AccessAction
    # None: every status without a level of its own (and the only row of contacts, companies).
    status_id: int | None
    level: AccessLevel


class CompiledPolicy:
    def __init__(
        self,
        viewer: Viewer,
        roles: Sequence[RoleGrants],
        catalog: StatusCatalog | None = None,
    ) -> None:
        self.viewer = viewer
        self.roles = tuple(roles)
        self.catalog = catalog if catalog is not None else StatusCatalog()
        self._levels = {
            (entity, action): self._compile(entity, action)
            for entity in CrmEntity
            for action in AccessAction
        }
        self._hiding_fields = frozenset(
            (entity, hidden)
            for role in self.roles
            for (entity, field_name, _scope), kind in role.field_rules.items()
            if kind is FieldRuleKind.HIDDEN and not viewer.is_admin
            for hidden in with_revealing(entity, frozenset((field_name,)))
        )
        self._hiding = frozenset(entity for entity, _field in self._hiding_fields)

    def _compile(self, entity: CrmEntity, action: AccessAction) -> StatusLevels:
        if self.viewer.is_admin:
            return StatusLevels(AccessLevel.ALL, AccessLevel.ALL, {})
        anywhere = self._highest(entity, action, ANYWHERE)
        scoped = [role for role in self.roles if role.scoped(entity, action)]
        if not scoped or not has_statuses(entity):
            return StatusLevels(anywhere, anywhere, {})
        # A status created after compilation: judged like a known one without rules of its
        # own, except that roles with pipeline or semantics rules grant nothing there.
        fallback = self._highest(entity, action, UNPLACED)
        by_status = {}
        for status_id in self._statuses(entity, action):
            level = self._highest(entity, action, self.catalog.placement(entity, status_id))
            if level is not fallback:
                by_status[status_id] = level
        return StatusLevels(anywhere, fallback, by_status)

    def _highest(
        self, entity: CrmEntity, action: AccessAction, placement: Placement
    ) -> AccessLevel:
        return highest([role.level(entity, action, placement) for role in self.roles])

    def _statuses(self, entity: CrmEntity, action: AccessAction) -> list[int]:
        """The statuses known at compile time: the catalog's, and any a rule names."""
        named = set().union(*(role.named_statuses(entity, action) for role in self.roles))
        return sorted(named.union(self.catalog.known(entity)))

    # Levels -------------------------------------------------------------------------------

    def level(self, entity: CrmEntity, action: AccessAction, status_id: int | None) -> AccessLevel:
        return self._levels[(entity, action)].at(status_id)

    def filter(
        self,
        entity: CrmEntity,
        action: AccessAction,
        columns: RecordColumns | None = None,
        *,
        bulk: bool = False,
    ) -> ColumnElement[bool]:
        """The rows of ``entity`` that ``action`` reaches, as a WHERE clause: a small OR of
        (status IN (...) AND level predicate), one term per distinct level over the statuses
        known at compile time, and one for every other status (a status created later gets
        the fallback level until the epoch bump of its creation has the policy recompiled).
        ``bulk`` for a statement that tests every row (a count, an IN over all readable
        ids), else the form for pages and lookups by id (see ``levels.predicate``)."""
        columns = columns or RECORD_COLUMNS[entity]

        def judge(level: AccessLevel) -> ColumnElement[bool]:
            return predicate(level, self.viewer, columns, bulk=bulk)

        return self._by_status(entity, action, columns.status, judge)

    def filter_by_department(
        self,
        entity: CrmEntity,
        action: AccessAction,
        status: SQLColumnExpression[int],
        department: SQLColumnExpression[int],
        opened: SQLColumnExpression[bool],
    ) -> ColumnElement[bool]:
        """The rows ``action`` reaches other than as the viewer's own, judged by their status,
        their responsible's department (never NULL: 0 for none) and ``opened`` flag, as
        ``filter`` judges them (``levels.department_predicate``): ``filter`` is this or the
        viewer's own rows of the statuses it reaches. Never NULL."""

        def judge(level: AccessLevel) -> ColumnElement[bool]:
            return department_predicate(level, self.viewer, department, opened)

        return self._by_status(entity, action, status, judge)

    def _by_status(
        self,
        entity: CrmEntity,
        action: AccessAction,
        status: SQLColumnExpression[int] | None,
        judge: Callable[[AccessLevel], ColumnElement[bool]],
    ) -> ColumnElement[bool]:
        levels = self._levels[(entity, action)]
        if self.viewer.is_admin:
            return true()
        if status is None or not levels.by_status:
            return judge(levels.fallback)
        grouped: dict[AccessLevel, list[int]] = defaultdict(list)
        for status_id, level in sorted(levels.by_status.items()):
            grouped[level].append(status_id)
        terms = [
            and_(status.in_(status_ids), judge(level))
            for level, status_ids in grouped.items()
            if level is not AccessLevel.NONE
        ]
        if levels.fallback is not AccessLevel.NONE:
            terms.append(and_(status.not_in(sorted(levels.by_status)), judge(levels.fallback)))
        return or_(false(), *terms)

    def read_filter(
        self, entity: CrmEntity, columns: RecordColumns | None = None, *, bulk: bool = False
    ) -> ColumnElement[bool]:
        return self.filter(entity, AccessAction.READ, columns, bulk=bulk)

    def allows(self, action: AccessAction, envelope: Envelope) -> bool:
        """The in-memory twin of ``filter``: whether ``action`` reaches the record."""
        level = self.level(envelope.entity, action, envelope.status_id)
        return admits(level, self.viewer, envelope)

    def summary(self) -> list[PermissionSummary]:
        """The effective levels, for ``viewer { permissions }``: a row per (entity, action)
        with ``status_id`` None (the level in any status), and one per known status whose
        level differs from it."""
        rows = []
        for (entity, action), levels in self._levels.items():
            rows.append(PermissionSummary(entity, action, None, levels.anywhere))
            if not levels.by_status and levels.fallback is levels.anywhere:
                continue
            for status_id in self._statuses(entity, action):
                level = levels.at(status_id)
                if level is not levels.anywhere:
                    rows.append(PermissionSummary(entity, action, status_id, level))
        return rows

    # Fields -------------------------------------------------------------------------------

    def may_hide(self, entity: CrmEntity) -> bool:
        """Whether some field of ``entity`` can be hidden from the viewer at all: when no role
        has a HIDDEN rule for it, no readable record has hidden fields, and field masks need
        not load envelopes."""
        return entity in self._hiding

    def may_hide_field(self, entity: CrmEntity, field_name: str) -> bool:
        """Whether some role of the viewer hides ``field_name`` in some status. Lists refuse
        to filter, search or order on such a field: the answer would reveal its values."""
        return (entity, field_name) in self._hiding_fields

    def hidden_fields(self, envelope: Envelope) -> frozenset[str]:
        """Fields hidden by every role that grants READ on the record (all of them when none
        does: such a record should not have been shown at all), with the fields that reveal
        them (``REVEALING``)."""
        return with_revealing(envelope.entity, self._masked(AccessAction.READ, envelope, HIDING))

    def read_only_fields(self, envelope: Envelope) -> frozenset[str]:
        """Fields no role granting UPDATE on the record lets the viewer change: every role
        that could marks them READ_ONLY or HIDDEN (all fields when no role grants UPDATE)."""
        return self._masked(AccessAction.UPDATE, envelope, LOCKING)

    def _masked(
        self, action: AccessAction, envelope: Envelope, kinds: frozenset[FieldRuleKind]
    ) -> frozenset[str]:
        if self.viewer.is_admin:
            return frozenset()
        granting = self._granting_roles(action, envelope)
        if not granting:
            return ENTITY_FIELDS[envelope.entity]
        placement = self.catalog.placement(envelope.entity, envelope.status_id)
        masks = [role.ruled_fields(envelope.entity, placement, kinds) for role in granting]
        return frozenset.intersection(*masks)

    def _granting_roles(self, action: AccessAction, envelope: Envelope) -> list[RoleGrants]:
        entity = envelope.entity
        placement = self.catalog.placement(entity, envelope.status_id)
        return [
            role
            for role in self.roles
            if admits(role.level(entity, action, placement), self.viewer, envelope)
        ]

    # Deal stages --------------------------------------------------------------------------

    def allowed_stages(
        self, pipeline_id: int, stage_ids: Sequence[int], envelope: Envelope
    ) -> list[int]:
        """The stages of ``stage_ids`` (the deal's pipeline, in order) a deal may move to:
        UPDATE before and after the move, and the move allowed by a role that grants UPDATE
        on the deal as it is now."""
        from_stage_id = envelope.status_id
        if from_stage_id is None or not self.allows(AccessAction.UPDATE, envelope):
            return []
        movers = self._granting_roles(AccessAction.UPDATE, envelope)
        return [
            to_stage_id
            for to_stage_id in stage_ids
            if to_stage_id != from_stage_id
            and self.allows(AccessAction.UPDATE, replace(envelope, status_id=to_stage_id))
            and (
                self.viewer.is_admin
                or any(role.may_move(pipeline_id, from_stage_id, to_stage_id) for role in movers)
            )
        ]

    def may_move(self, pipeline_id: int, to_stage_id: int, envelope: Envelope) -> bool:
        return self.allowed_stages(pipeline_id, [to_stage_id], envelope) == [to_stage_id]

    # Explanations -------------------------------------------------------------------------

    def explain(self, action: AccessAction, envelope: Envelope) -> Decision:
        """Whether ``action`` reaches the record, and which role and rule decided it."""
        if self.viewer.is_admin:
            return Decision(True, None, AccessLevel.ALL, "administrator", "Administrators bypass")
        placement = self.catalog.placement(envelope.entity, envelope.status_id)
        return explain(self.viewer, self.roles, action, envelope, placement)
