"""Rule scopes: permissions and field rules keyed by a scope (ANY, SEMANTICS:<semantics>,
PIPELINE:<id>, STATUS:<id>) instead of a status id (0 for any).

Existing rows keep their meaning: status 0 becomes ANY, any other status STATUS:<id>. The
downgrade keeps ANY and STATUS rules and drops the semantics and pipeline rules, which a
status id cannot express.

Revision ID: 0006_rule_scopes
Revises: 0004_access
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_rule_scopes"
down_revision: str | Sequence[str] | None = "0004_access"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ANY_STATUS = 0
STATUS_PREFIX = "STATUS:"
# (table, the column naming what the rule is about)
RULE_TABLES = (("role_permissions", "action"), ("field_rules", "field"))


def _table(name: str, *columns: sa.Column[object]) -> sa.TableClause:
    return sa.table(name, sa.column("id", sa.BigInteger()), *columns)


def _status_id() -> sa.Column[int]:
    return sa.column("status_id", sa.BigInteger())  # type: ignore[return-value]


def _scope() -> sa.Column[str]:
    return sa.column("scope", sa.String(32))  # type: ignore[return-value]


def upgrade() -> None:
    for table_name, subject in RULE_TABLES:
        op.add_column(table_name, sa.Column("scope", sa.String(32), nullable=True))
        table = _table(table_name, _status_id(), _scope())
        op.execute(
            table.update().values(
                scope=sa.case(
                    (table.c.status_id == ANY_STATUS, "ANY"),
                    else_=sa.literal(STATUS_PREFIX) + sa.cast(table.c.status_id, sa.String(20)),
                )
            )
        )
        with op.batch_alter_table(table_name) as batch:
            batch.drop_constraint(
                f"uq_{table_name}_role_id_entity_{subject}_status_id", type_="unique"
            )
            batch.drop_column("status_id")
            batch.alter_column("scope", existing_type=sa.String(32), nullable=False)
            batch.create_unique_constraint(
                f"uq_{table_name}_role_id_entity_{subject}_scope",
                ["role_id", "entity", subject, "scope"],
            )


def downgrade() -> None:
    for table_name, subject in RULE_TABLES:
        op.add_column(table_name, sa.Column("status_id", sa.BigInteger(), nullable=True))
        table = _table(table_name, _status_id(), _scope())
        expressible = sa.or_(table.c.scope == "ANY", table.c.scope.startswith(STATUS_PREFIX))
        op.execute(table.delete().where(sa.not_(expressible)))
        op.execute(
            table.update().values(
                status_id=sa.case(
                    (table.c.scope == "ANY", ANY_STATUS),
                    else_=sa.cast(
                        sa.func.substr(table.c.scope, len(STATUS_PREFIX) + 1), sa.BigInteger()
                    ),
                )
            )
        )
        with op.batch_alter_table(table_name) as batch:
            batch.drop_constraint(f"uq_{table_name}_role_id_entity_{subject}_scope", type_="unique")
            batch.drop_column("scope")
            batch.alter_column("status_id", existing_type=sa.BigInteger(), nullable=False)
            batch.create_unique_constraint(
                f"uq_{table_name}_role_id_entity_{subject}_status_id",
                ["role_id", "entity", subject, "status_id"],
            )
