"""Field masks as SQL: whether a record's field is shown to the viewer, judged in the WHERE
or SELECT of a statement instead of record by record in Python.

The in-memory rule (``CompiledPolicy.hidden_fields``): a field is hidden when every role
granting READ on the record hides it in the record's status, and a field is hidden too when
a field it reveals is (``REVEALING``: a contact's ``name`` reveals its first and last
names). So a field F is shown when, for F and for every field F reveals, some role admits
the record (its READ level's predicate) in a status where the role does not hide that field.
Each role's statuses are grouped by level, as ``CompiledPolicy.filter`` groups them.
"""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import ColumnElement, and_, false, or_, true

from auth.policy.compiled import HIDING, CompiledPolicy
from auth.policy.entities import REVEALING, RecordColumns
from auth.policy.grants import RoleGrants
from auth.policy.levels import predicate
from auth.policy.scopes import ANYWHERE, UNPLACED, Placement
from models import AccessAction, AccessLevel
from models.crm import CrmEntity
from models.rule_scope import ScopeKind


def field_shown(
    policy: CompiledPolicy, entity: CrmEntity, field_name: str, columns: RecordColumns
) -> ColumnElement[bool]:
    """SQL that holds on the rows READ reaches where ``field_name`` is not hidden."""
    revealed = [name for name, revealing in REVEALING[entity].items() if field_name in revealing]
    ruled = [name for name in (field_name, *revealed) if policy.may_hide_field(entity, name)]
    if policy.viewer.is_admin or not ruled:
        return true()
    return and_(*(_rule_field_shown(policy, entity, name, columns) for name in ruled))


def _rule_field_shown(
    policy: CompiledPolicy, entity: CrmEntity, name: str, columns: RecordColumns
) -> ColumnElement[bool]:
    terms = [_shown_by(policy, role, entity, name, columns) for role in policy.roles]
    return or_(false(), *terms)


def _shown_by(
    policy: CompiledPolicy,
    role: RoleGrants,
    entity: CrmEntity,
    name: str,
    columns: RecordColumns,
) -> ColumnElement[bool]:
    """The rows ``role`` admits in a status where it does not hide ``name``."""

    def level_showing(placement: Placement) -> AccessLevel:
        if name in role.ruled_fields(entity, placement, HIDING):
            return AccessLevel.NONE
        return role.level(entity, AccessAction.READ, placement)

    def judged(level: AccessLevel) -> ColumnElement[bool]:
        return predicate(level, policy.viewer, columns)

    status = columns.status
    if status is None:
        return judged(level_showing(ANYWHERE))
    statuses = _statuses(policy, role, entity)
    grouped: dict[AccessLevel, list[int]] = defaultdict(list)
    for status_id in statuses:
        grouped[level_showing(policy.catalog.placement(entity, status_id))].append(status_id)
    terms = [
        and_(status.in_(ids), judged(level))
        for level, ids in grouped.items()
        if level is not AccessLevel.NONE
    ]
    unplaced = level_showing(UNPLACED)
    if unplaced is not AccessLevel.NONE:
        terms.append(and_(status.not_in(statuses), judged(unplaced)))
    # A record without a status is placed anywhere (``StatusCatalog.placement``).
    anywhere = level_showing(ANYWHERE)
    if anywhere is not AccessLevel.NONE:
        terms.append(and_(status.is_(None), judged(anywhere)))
    return or_(false(), *terms)


def _statuses(policy: CompiledPolicy, role: RoleGrants, entity: CrmEntity) -> list[int]:
    """The statuses judged one by one: the catalog's, and any the role's rules name."""
    named = role.named_statuses(entity, AccessAction.READ)
    named |= {
        scope.target_id
        for (ruled, _name, scope) in role.field_rules
        if ruled is entity and scope.kind is ScopeKind.STATUS and scope.target_id is not None
    }
    return sorted(named.union(policy.catalog.known(entity)))
