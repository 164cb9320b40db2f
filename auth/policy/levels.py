"""Access levels: their order, and what each admits — as SQL and on a record's envelope.

Each level includes the ones below it: DEPARTMENT admits the viewer's own records too, even
when the viewer belongs to no department.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, false, or_, select, true

from auth.policy.entities import RecordColumns
from auth.viewer import Viewer
from models import AccessLevel, Department, User
from models.crm import CrmEntity

LEVEL_ORDER = list(AccessLevel)
_RANK = {level: rank for rank, level in enumerate(LEVEL_ORDER)}


def rank(level: AccessLevel) -> int:
    return _RANK[level]


def highest(levels: list[AccessLevel]) -> AccessLevel:
    return max(levels, key=rank, default=AccessLevel.NONE)


@dataclass(frozen=True, slots=True)
class Envelope:
    """What the policy needs to know of one record: also carried by every CRM event."""

    entity: CrmEntity
    responsible_id: int | None
    # The materialised path of the responsible user's department, "" without one.
    responsible_department_path: str
    opened: bool
    # Lead status id or deal stage id; None for contacts and companies.
    status_id: int | None = None


def admits(level: AccessLevel, viewer: Viewer, envelope: Envelope) -> bool:
    """Whether ``level`` reaches the record, judged in memory."""
    if level is AccessLevel.ALL:
        return True
    if level is AccessLevel.NONE:
        return False
    own = envelope.responsible_id is not None and envelope.responsible_id == viewer.user_id
    if own or level is AccessLevel.OWN:
        return own
    path = envelope.responsible_department_path
    in_department = bool(viewer.department_path) and path == viewer.department_path
    if level is AccessLevel.DEPARTMENT:
        return in_department
    in_subtree = bool(viewer.department_path) and path.startswith(viewer.department_path)
    if level is AccessLevel.SUBDEPARTMENTS:
        return in_subtree
    return in_subtree or envelope.opened


def predicate(level: AccessLevel, viewer: Viewer, columns: RecordColumns) -> ColumnElement[bool]:
    """Whether ``level`` reaches a row, as SQL; the department subtree is a subquery that the
    database runs once per statement, never once per row."""
    if level is AccessLevel.ALL:
        return true()
    if level is AccessLevel.NONE:
        return false()
    own = columns.responsible == viewer.user_id
    if level is AccessLevel.OWN or not viewer.department_path:
        if level is AccessLevel.OPEN:
            return or_(own, columns.opened.is_(True))
        return own
    if level is AccessLevel.DEPARTMENT:
        colleagues = select(User.id).where(User.department_id == viewer.department_id)
        return or_(own, columns.responsible.in_(colleagues))
    subtree = select(User.id).where(
        User.department_id.in_(
            select(Department.id).where(Department.path.startswith(viewer.department_path))
        )
    )
    reach = or_(own, columns.responsible.in_(subtree))
    if level is AccessLevel.OPEN:
        return or_(reach, columns.opened.is_(True))
    return reach
