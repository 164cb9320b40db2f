"""The deal tallies: deal counts and amount sums per (stage, furthest working stage reached,
responsible, opened, currency), kept by database triggers in the transaction of every deal
insert, update and delete and every recorded stage move.

Reports read them instead of the deals when every figure asked for is a count or a sum of
them and the viewer's READ predicate and the filter are on their columns only (a dashboard's
funnel and sums at a million deals read a few thousand tallies, not the million deals).
Triggers, not application code, so that no write path (a move, an edit, a merge, an import,
a user's deletion setting ``assigned_to_id`` to NULL) can leave them behind.

A deal's furthest working stage (``crm_deals.furthest_stage_id``) is the PROCESS stage of
highest ``sort`` it was ever moved to, from its stage history; reordering or deleting stages
recomputes it (``REFRESH_FURTHEST_SQL``).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import Boolean, Dialect, Index, Numeric, PrimaryKeyConstraint, String
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.types import TypeEngine

from models.base import Base, BigId
from models.crm.common import Money

# The keys of a tally hold 0 for "none" (no furthest stage, no responsible): a unique key
# treats NULLs as distinct on SQLite, and no user or stage has the id 0 (so a READ predicate
# on the responsible treats 0 as it treats NULL).
NONE_ID = 0


class Total(Money):
    """A sum of amounts: NUMERIC without a bound on PostgreSQL (a sum of NUMERIC(18, 2)
    amounts may pass 18 digits, and an overflow would refuse the deal's write)."""

    impl = Numeric()
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(Numeric(asdecimal=False))
        return dialect.type_descriptor(Numeric())


class DealTally(Base):
    __tablename__ = "crm_deal_tallies"

    stage_id: Mapped[int] = mapped_column(BigId)
    furthest_stage_id: Mapped[int] = mapped_column(BigId)
    responsible_id: Mapped[int] = mapped_column(BigId)
    opened: Mapped[bool] = mapped_column(Boolean)
    currency: Mapped[str] = mapped_column(String(3))
    deals: Mapped[int] = mapped_column(BigId)
    amount: Mapped[Decimal] = mapped_column(Total())
    # Sum of amount * probability (no probability: 0): a hundred times the weighted sum.
    weighted: Mapped[Decimal] = mapped_column(Total())

    __table_args__ = (
        PrimaryKeyConstraint(
            "stage_id", "furthest_stage_id", "responsible_id", "opened", "currency"
        ),
        # The figures of some responsible users (a team's): their tallies only.
        Index("ix_crm_deal_tallies_responsible_id", "responsible_id"),
    )


_KEY = "stage_id, furthest_stage_id, responsible_id, opened, currency"


def _key(row: str) -> str:
    return (
        f"ROW({row}.stage_id, coalesce({row}.furthest_stage_id, 0),"
        f" coalesce({row}.assigned_to_id, 0), {row}.opened, {row}.currency)"
    )


def _add(row: str, sign: str) -> str:
    """Adds (sign '+') or takes away ('-') one deal, ``row`` being NEW or OLD."""
    deals = "1" if sign == "+" else "-1"
    amount = f"{sign}{row}.amount"
    weighted = f"{sign}{row}.amount * coalesce({row}.probability, 0)"
    return (
        f"INSERT INTO crm_deal_tallies ({_KEY}, deals, amount, weighted) VALUES"
        f" ({row}.stage_id, coalesce({row}.furthest_stage_id, 0),"
        f" coalesce({row}.assigned_to_id, 0), {row}.opened, {row}.currency,"
        f" {deals}, {amount}, {weighted})"
        f" ON CONFLICT ({_KEY}) DO UPDATE SET deals = crm_deal_tallies.deals + {deals},"
        " amount = crm_deal_tallies.amount + excluded.amount,"
        " weighted = crm_deal_tallies.weighted + excluded.weighted"
    )


# The PROCESS stage of highest sort among a deal's moves; {deal} names the deal's id.
_FURTHEST = (
    "(SELECT s.id FROM crm_deal_stage_moves m JOIN crm_deal_stages s ON s.id = m.to_stage_id"
    " WHERE m.deal_id = {deal} AND s.semantics = 'PROCESS' ORDER BY s.sort DESC, s.id DESC"
    " LIMIT 1)"
)
_ANY_FURTHEST = _FURTHEST.format(deal="crm_deals.id")
# Recomputes the furthest stage of the deals of one pipeline (:pipeline_id): after its
# stages are reordered or one is deleted. The tally triggers follow.
REFRESH_FURTHEST_SQL = (
    f"UPDATE crm_deals SET furthest_stage_id = {_FURTHEST.format(deal='crm_deals.id')}"
    " WHERE pipeline_id = :pipeline_id"
    f" AND coalesce(furthest_stage_id, 0) <> coalesce({_FURTHEST.format(deal='crm_deals.id')}, 0)"
)
# Rebuilds every tally from the deals: after a bulk load that bypassed the triggers.
REBUILD_SQL = (
    "DELETE FROM crm_deal_tallies;"
    f" UPDATE crm_deals SET furthest_stage_id = {_ANY_FURTHEST}"
    f" WHERE coalesce(furthest_stage_id, 0) <> coalesce({_ANY_FURTHEST}, 0);"
    f" INSERT INTO crm_deal_tallies ({_KEY}, deals, amount, weighted)"
    " SELECT stage_id, coalesce(furthest_stage_id, 0), coalesce(assigned_to_id, 0), opened,"
    " currency, count(*), sum(amount), sum(amount * coalesce(probability, 0))"
    " FROM crm_deals GROUP BY stage_id, coalesce(furthest_stage_id, 0),"
    " coalesce(assigned_to_id, 0), opened, currency"
)
_TRACKED = "stage_id, furthest_stage_id, assigned_to_id, opened, currency, amount, probability"
_MOVED = (
    "UPDATE crm_deals SET furthest_stage_id = {furthest} WHERE id = NEW.deal_id"
    " AND coalesce(furthest_stage_id, 0) <> coalesce({furthest}, 0)"
).format(furthest=_FURTHEST.format(deal="NEW.deal_id"))

SQLITE_TRIGGERS = (
    "CREATE TRIGGER crm_deal_tallies_insert AFTER INSERT ON crm_deals"
    f" BEGIN {_add('NEW', '+')}; END",
    f"CREATE TRIGGER crm_deal_tallies_update AFTER UPDATE OF {_TRACKED} ON crm_deals"
    f" BEGIN {_add('OLD', '-')}; {_add('NEW', '+')}; END",
    "CREATE TRIGGER crm_deal_tallies_delete AFTER DELETE ON crm_deals"
    f" BEGIN {_add('OLD', '-')}; END",
    "CREATE TRIGGER crm_deal_furthest_stage AFTER INSERT ON crm_deal_stage_moves"
    f" BEGIN {_MOVED}; END",
)
POSTGRESQL_TRIGGERS = (
    # A move locks two tallies: always in the order of their keys, so that two deals moving
    # between the same two tallies in opposite directions do not deadlock.
    "CREATE FUNCTION crm_deal_tallies_apply() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
    f" IF TG_OP = 'UPDATE' AND {_key('NEW')} < {_key('OLD')} THEN"
    f" {_add('NEW', '+')}; {_add('OLD', '-')}; RETURN NULL; END IF;"
    f" IF TG_OP <> 'INSERT' THEN {_add('OLD', '-')}; END IF;"
    f" IF TG_OP <> 'DELETE' THEN {_add('NEW', '+')}; END IF;"
    " RETURN NULL; END $$",
    "CREATE TRIGGER crm_deal_tallies_insert AFTER INSERT OR DELETE ON crm_deals"
    " FOR EACH ROW EXECUTE FUNCTION crm_deal_tallies_apply()",
    f"CREATE TRIGGER crm_deal_tallies_update AFTER UPDATE OF {_TRACKED} ON crm_deals"
    " FOR EACH ROW EXECUTE FUNCTION crm_deal_tallies_apply()",
    "CREATE FUNCTION crm_deal_furthest_stage() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
    f" {_MOVED}; RETURN NULL; END $$",
    "CREATE TRIGGER crm_deal_furthest_stage AFTER INSERT ON crm_deal_stage_moves"
    " FOR EACH ROW EXECUTE FUNCTION crm_deal_furthest_stage()",
)
SQLITE_DROP = (
    "DROP TRIGGER crm_deal_furthest_stage",
    "DROP TRIGGER crm_deal_tallies_delete",
    "DROP TRIGGER crm_deal_tallies_update",
    "DROP TRIGGER crm_deal_tallies_insert",
)
POSTGRESQL_DROP = (
    "DROP TRIGGER crm_deal_furthest_stage ON crm_deal_stage_moves",
    "DROP FUNCTION crm_deal_furthest_stage()",
    "DROP TRIGGER crm_deal_tallies_update ON crm_deals",
    "DROP TRIGGER crm_deal_tallies_insert ON crm_deals",
    "DROP FUNCTION crm_deal_tallies_apply()",
)


def triggers(dialect: str) -> tuple[str, ...]:
    return POSTGRESQL_TRIGGERS if dialect == "postgresql" else SQLITE_TRIGGERS


def dropped_triggers(dialect: str) -> tuple[str, ...]:
    return POSTGRESQL_DROP if dialect == "postgresql" else SQLITE_DROP
