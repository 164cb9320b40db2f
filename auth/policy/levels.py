"""Access levels: their order, and what each admits — as SQL and on a record's envelope.

Each level includes the ones below it: DEPARTMENT admits the viewer's own records too, even
when the viewer belongs to no department.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, SQLColumnExpression, false, or_, select, true

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


def predicate(
    level: AccessLevel, viewer: Viewer, columns: RecordColumns, *, bulk: bool = False
) -> ColumnElement[bool]:
    """Whether ``level`` reaches a row, as SQL, in one of two forms with the same rows.

    Per row (the default), for statements that stop after a few rows — pages, batches and
    lookups by id: the department tests look up the row's responsible user (and that user's
    department) by primary key, in a subquery correlated to the row. A page of 50 costs about
    50 such lookups whatever the size of the viewer's department subtree, and the cheap tests
    come first in the OR (the database stops at the first that holds, in written order).

    ``bulk``, for statements that test every row of the table — counts, ``IN (SELECT id ...)``
    over all readable records: the department subtree's users as one uncorrelated set, built
    once per statement and then probed per row. Per row, a count of 1,000,000 deals would do
    two lookups per deal; in bulk, a page would build a set of every user of the subtree.
    """
    if level is AccessLevel.ALL:
        return true()
    if level is AccessLevel.NONE:
        return false()
    own = columns.responsible == viewer.user_id
    if level is AccessLevel.OWN or not viewer.department_path:
        if level is AccessLevel.OPEN:
            return or_(own, columns.opened.is_(True))
        return own
    if bulk:
        return _bulk(level, viewer, columns, own)
    if level is AccessLevel.DEPARTMENT:
        department = (
            select(User.department_id)
            .where(User.id == columns.responsible)
            .correlate_except(User)
            .scalar_subquery()
        )
        return or_(own, department == viewer.department_id)
    responsible_path = (
        select(Department.path)
        .join(User, User.department_id == Department.id)
        .where(User.id == columns.responsible)
        .correlate_except(User, Department)
        .scalar_subquery()
    )
    in_subtree = responsible_path.startswith(viewer.department_path)
    if level is AccessLevel.OPEN:
        return or_(own, columns.opened.is_(True), in_subtree)
    return or_(own, in_subtree)


def department_predicate(
    level: AccessLevel,
    viewer: Viewer,
    department: SQLColumnExpression[int],
    opened: SQLColumnExpression[bool],
) -> ColumnElement[bool]:
    """What ``level`` admits other than as the viewer's own record, judged by the record's
    responsible user's department (``department``: its id, never NULL; 0 for none) and its
    ``opened`` flag: ``predicate`` (bulk) is ``own OR`` this, for any responsible. Never
    NULL, so that its negation is its complement."""
    if level is AccessLevel.ALL:
        return true()
    if level in (AccessLevel.NONE, AccessLevel.OWN):
        return false()
    if not viewer.department_path:
        return opened.is_(True) if level is AccessLevel.OPEN else false()
    if level is AccessLevel.DEPARTMENT:
        return department == viewer.department_id
    subtree = department.in_(
        select(Department.id).where(Department.path.startswith(viewer.department_path))
    )
    if level is AccessLevel.OPEN:
        return or_(subtree, opened.is_(True))
    return subtree


def _bulk(
    level: AccessLevel, viewer: Viewer, columns: RecordColumns, own: ColumnElement[bool]
) -> ColumnElement[bool]:
    """DEPARTMENT, SUBDEPARTMENTS and OPEN as uncorrelated subqueries: the database runs them
    once per statement, never once per row."""
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
