"""Ids are never handed out twice: every SQLite table with an integer primary key is rebuilt
with AUTOINCREMENT, its rows kept, its sequence started past every id the database still
names (polymorphic references included, so that what pointed at a deleted row never points
at a new one). PostgreSQL's identity columns never reuse a value: nothing to do there.

Revision ID: 0008_ids_never_reused
Revises: 0007_login_throttle
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.engine import Connection

revision: str = "0008_ids_never_reused"
down_revision: str | Sequence[str] | None = "0007_login_throttle"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Columns that name a row of another table without a foreign key: (table, type column,
# id column) and, per type value, the table it names.
POLYMORPHIC_REFERENCES = (
    ("events", "subject_type", "subject_id"),
    ("events", "scope_type", "scope_id"),
    ("notifications", "subject_type", "subject_id"),
    ("task_crm_links", "entity_type", "entity_id"),
    ("crm_communications", "entity_type", "entity_id"),
    ("crm_timeline_entries", "entity_type", "entity_id"),
    ("crm_activity_bindings", "entity_type", "entity_id"),
)
NAMED_TABLES = {
    "POST": "posts",
    "TASK": "tasks",
    "COMMENT": "comments",
    "LEAD": "crm_leads",
    "CONTACT": "crm_contacts",
    "COMPANY": "crm_companies",
    "DEAL": "crm_deals",
    "ACTIVITY": "crm_activities",
}


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return
    for table in _integer_keyed_tables(bind):
        _rebuild(table, autoincrement=True)
    _start_sequences_past_named_ids(bind)


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return
    for table in _integer_keyed_tables(bind):
        _rebuild(table, autoincrement=False)


def _integer_keyed_tables(bind: Connection) -> list[str]:
    """Tables whose primary key is one integer column: the ones SQLite may renumber."""
    inspector = sa.inspect(bind)
    tables = []
    for table in inspector.get_table_names():
        if table == "alembic_version":
            continue
        key = inspector.get_pk_constraint(table)["constrained_columns"]
        types = {column["name"]: column["type"] for column in inspector.get_columns(table)}
        if len(key) == 1 and isinstance(types[key[0]], sa.Integer):
            tables.append(table)
    return tables


def _rebuild(table: str, *, autoincrement: bool) -> None:
    # Copies the rows into a new table of the same shape, then swaps the two. The caller
    # (crmhub/migrate.py) turns SQLite's foreign keys off meanwhile, or dropping the old
    # table would cascade to every row that refers to it.
    with op.batch_alter_table(
        table, recreate="always", table_kwargs={"sqlite_autoincrement": autoincrement}
    ):
        pass


def _start_sequences_past_named_ids(bind: Connection) -> None:
    highest: dict[str, int] = {}
    for table, type_column, id_column in POLYMORPHIC_REFERENCES:
        rows = bind.execute(
            sa.text(f"SELECT {type_column}, MAX({id_column}) FROM {table} GROUP BY {type_column}")
        )
        for kind, top in rows:
            named = NAMED_TABLES.get(kind)
            if named is not None and top is not None:
                highest[named] = max(highest.get(named, 0), int(top))
    for table, top in highest.items():
        # The rebuild gave every table its row, holding the largest id it had copied; go
        # past what the references name too.
        bind.execute(
            sa.text("UPDATE sqlite_sequence SET seq = max(seq, :top) WHERE name = :name"),
            {"top": top, "name": table},
        )
