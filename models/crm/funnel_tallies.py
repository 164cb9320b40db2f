"""The funnel tallies: deal counts per (stage, furthest working stage reached, the responsible
user's department, opened), kept by database triggers in the transaction of every deal
write and of every user's move between departments or deletion.

The funnel only counts deals, and a READ level above OWN judges a deal by its responsible's
department and its ``opened`` flag: a viewer who reads a department subtree, or every
opened deal, sums a few rows per department instead of a few per user
(resolvers/reports/funnel_tallies.py). The deal tallies per user (tallies.py) still give
the viewer's own deals.

A deal's department is that of its responsible user now (0: no responsible, or one without
a department). So:
- a deal write adds and takes away the deal under its responsible's current department; on
  PostgreSQL it reads that department ``FOR SHARE``, so that a concurrent move of the user
  between departments waits for it (or it for the move) and never counts the deal under
  the department the user has just left;
- a user's move between departments moves that user's counts, read from their deal tallies
  (one statement, its rows in key order: no deadlock between two moves);
- a user's deletion first takes the user off their deals (what the foreign key's SET NULL
  would do), while the user's department can still be read.
A department's move in the tree changes nothing here: the key is the department's id, and
the subtree is judged at read time.
"""

from __future__ import annotations

from sqlalchemy import Boolean, PrimaryKeyConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, BigId


class DealFunnelTally(Base):
    __tablename__ = "crm_deal_funnel_tallies"

    stage_id: Mapped[int] = mapped_column(BigId)
    furthest_stage_id: Mapped[int] = mapped_column(BigId)
    # 0: no department (no responsible, or a responsible without a department).
    department_id: Mapped[int] = mapped_column(BigId)
    opened: Mapped[bool] = mapped_column(Boolean)
    deals: Mapped[int] = mapped_column(BigId)

    __table_args__ = (
        PrimaryKeyConstraint("stage_id", "furthest_stage_id", "department_id", "opened"),
    )


_KEY = "stage_id, furthest_stage_id, department_id, opened"
_UPSERT = (
    f" ON CONFLICT ({_KEY}) DO UPDATE SET deals = crm_deal_funnel_tallies.deals + excluded.deals"
)
_TRACKED = "stage_id, furthest_stage_id, assigned_to_id, opened"
_CHANGED = " OR ".join(f"OLD.{column} IS NOT NEW.{column}" for column in _TRACKED.split(", "))
_CHANGED_PG = _CHANGED.replace(" IS NOT ", " IS DISTINCT FROM ")


def _department_of(user: str) -> str:
    return f"coalesce((SELECT department_id FROM users WHERE id = {user}), 0)"


def _add(row: str, department: str, sign: str) -> str:
    """Adds (sign '+') or takes away ('-') the deal ``row`` (NEW or OLD) under ``department``."""
    deals = "1" if sign == "+" else "-1"
    return (
        f"INSERT INTO crm_deal_funnel_tallies ({_KEY}, deals) VALUES ({row}.stage_id,"
        f" coalesce({row}.furthest_stage_id, 0), {department}, {row}.opened, {deals})"
        f"{_UPSERT}"
    )


def _moved(old: str, new: str) -> str:
    """Moves the counts of the user OLD from department ``old`` to ``new`` (one statement,
    in key order)."""
    return (
        f"INSERT INTO crm_deal_funnel_tallies ({_KEY}, deals)"
        " SELECT stage_id, furthest_stage_id, department_id, opened, deals FROM ("
        f" SELECT stage_id, furthest_stage_id, {old} AS department_id, opened, -sum(deals)"
        " AS deals FROM crm_deal_tallies WHERE responsible_id = OLD.id"
        " GROUP BY stage_id, furthest_stage_id, opened"
        f" UNION ALL SELECT stage_id, furthest_stage_id, {new}, opened, sum(deals)"
        " FROM crm_deal_tallies WHERE responsible_id = OLD.id"
        " GROUP BY stage_id, furthest_stage_id, opened) AS moved"
        f" WHERE deals <> 0 ORDER BY {_KEY}{_UPSERT}"
    )


# Rebuilds the funnel tallies from the deal tallies (which must be right): after a bulk load
# that bypassed the triggers, and in the migration.
REBUILD_SQL = (
    "DELETE FROM crm_deal_funnel_tallies;"
    f" INSERT INTO crm_deal_funnel_tallies ({_KEY}, deals)"
    " SELECT t.stage_id, t.furthest_stage_id, coalesce(u.department_id, 0), t.opened,"
    " sum(t.deals) FROM crm_deal_tallies t LEFT JOIN users u ON u.id = t.responsible_id"
    " GROUP BY t.stage_id, t.furthest_stage_id, coalesce(u.department_id, 0), t.opened"
)
_UNASSIGN = "UPDATE crm_deals SET assigned_to_id = NULL WHERE assigned_to_id = OLD.id"

SQLITE_TRIGGERS = (
    "CREATE TRIGGER crm_deal_funnel_tallies_insert AFTER INSERT ON crm_deals"
    f" BEGIN {_add('NEW', _department_of('NEW.assigned_to_id'), '+')}; END",
    f"CREATE TRIGGER crm_deal_funnel_tallies_update AFTER UPDATE OF {_TRACKED} ON crm_deals"
    f" WHEN {_CHANGED}"
    f" BEGIN {_add('OLD', _department_of('OLD.assigned_to_id'), '-')};"
    f" {_add('NEW', _department_of('NEW.assigned_to_id'), '+')}; END",
    "CREATE TRIGGER crm_deal_funnel_tallies_delete AFTER DELETE ON crm_deals"
    f" BEGIN {_add('OLD', _department_of('OLD.assigned_to_id'), '-')}; END",
    "CREATE TRIGGER crm_deal_funnel_tallies_user_moved AFTER UPDATE OF department_id ON users"
    " WHEN OLD.department_id IS NOT NEW.department_id"
    " BEGIN"
    f" {_moved('coalesce(OLD.department_id, 0)', 'coalesce(NEW.department_id, 0)')}; END",
    "CREATE TRIGGER crm_deal_funnel_tallies_user_deleted BEFORE DELETE ON users"
    f" BEGIN {_UNASSIGN}; END",
)


def _locked_department_of(user: str, into: str) -> str:
    return (
        f"SELECT coalesce(department_id, 0) INTO {into} FROM users WHERE id = {user} FOR SHARE;"
        f" {into} := coalesce({into}, 0)"
    )


POSTGRESQL_TRIGGERS = (
    # A move locks two funnel tallies: in the order of their keys, as the deal tallies do.
    "CREATE FUNCTION crm_deal_funnel_tallies_apply() RETURNS trigger LANGUAGE plpgsql AS $$"
    " DECLARE old_department BIGINT; new_department BIGINT; BEGIN"
    f" IF TG_OP <> 'INSERT' THEN"
    f" {_locked_department_of('OLD.assigned_to_id', 'old_department')}; END IF;"
    f" IF TG_OP <> 'DELETE' THEN"
    f" {_locked_department_of('NEW.assigned_to_id', 'new_department')}; END IF;"
    " IF TG_OP = 'UPDATE' AND ROW(NEW.stage_id, coalesce(NEW.furthest_stage_id, 0),"
    " new_department, NEW.opened) < ROW(OLD.stage_id, coalesce(OLD.furthest_stage_id, 0),"
    " old_department, OLD.opened) THEN"
    f" {_add('NEW', 'new_department', '+')}; {_add('OLD', 'old_department', '-')};"
    " RETURN NULL; END IF;"
    f" IF TG_OP <> 'INSERT' THEN {_add('OLD', 'old_department', '-')}; END IF;"
    f" IF TG_OP <> 'DELETE' THEN {_add('NEW', 'new_department', '+')}; END IF;"
    " RETURN NULL; END $$",
    "CREATE TRIGGER crm_deal_funnel_tallies_insert AFTER INSERT OR DELETE ON crm_deals"
    " FOR EACH ROW EXECUTE FUNCTION crm_deal_funnel_tallies_apply()",
    f"CREATE TRIGGER crm_deal_funnel_tallies_update AFTER UPDATE OF {_TRACKED} ON crm_deals"
    f" FOR EACH ROW WHEN ({_CHANGED_PG}) EXECUTE FUNCTION crm_deal_funnel_tallies_apply()",
    "CREATE FUNCTION crm_deal_funnel_tallies_user_moved() RETURNS trigger LANGUAGE plpgsql"
    " AS $$ BEGIN"
    f" {_moved('coalesce(OLD.department_id, 0)', 'coalesce(NEW.department_id, 0)')};"
    " RETURN NULL; END $$",
    "CREATE TRIGGER crm_deal_funnel_tallies_user_moved AFTER UPDATE OF department_id ON users"
    " FOR EACH ROW WHEN (OLD.department_id IS DISTINCT FROM NEW.department_id)"
    " EXECUTE FUNCTION crm_deal_funnel_tallies_user_moved()",
    "CREATE FUNCTION crm_deal_funnel_tallies_user_deleted() RETURNS trigger LANGUAGE plpgsql"
    f" AS $$ BEGIN {_UNASSIGN}; RETURN OLD; END $$",
    "CREATE TRIGGER crm_deal_funnel_tallies_user_deleted BEFORE DELETE ON users"
    " FOR EACH ROW EXECUTE FUNCTION crm_deal_funnel_tallies_user_deleted()",
)
SQLITE_DROP = (
    "DROP TRIGGER crm_deal_funnel_tallies_user_deleted",
    "DROP TRIGGER crm_deal_funnel_tallies_user_moved",
    "DROP TRIGGER crm_deal_funnel_tallies_delete",
    "DROP TRIGGER crm_deal_funnel_tallies_update",
    "DROP TRIGGER crm_deal_funnel_tallies_insert",
)
POSTGRESQL_DROP = (
    "DROP TRIGGER crm_deal_funnel_tallies_user_deleted ON users",
    "DROP FUNCTION crm_deal_funnel_tallies_user_deleted()",
    "DROP TRIGGER crm_deal_funnel_tallies_user_moved ON users",
    "DROP FUNCTION crm_deal_funnel_tallies_user_moved()",
    "DROP TRIGGER crm_deal_funnel_tallies_update ON crm_deals",
    "DROP TRIGGER crm_deal_funnel_tallies_insert ON crm_deals",
    "DROP FUNCTION crm_deal_funnel_tallies_apply()",
)


def triggers(dialect: str) -> tuple[str, ...]:
    return POSTGRESQL_TRIGGERS if dialect == "postgresql" else SQLITE_TRIGGERS


def dropped_triggers(dialect: str) -> tuple[str, ...]:
    return POSTGRESQL_DROP if dialect == "postgresql" else SQLITE_DROP
