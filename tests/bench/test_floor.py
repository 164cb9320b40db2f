"""The bench's floor for query (a) filters with exactly the SQL the policy engine compiles."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.dialects import postgresql

from auth.policy.entities import RECORD_COLUMNS
from auth.policy.levels import predicate
from auth.viewer import Viewer
from bench.dataset import ROLES, SALES_ID, SALES_MANAGER_ID
from bench.queries import MANAGER_DEAL_READ_FILTER, SALES_MANAGER_PATH
from models import AccessLevel
from models.crm import CrmEntity, Deal


def test_manager_floor_predicate_is_the_engines() -> None:
    read_level = next(read for _, _, read, _, holder in ROLES if holder == SALES_MANAGER_ID)
    assert read_level is AccessLevel.OPEN
    viewer = Viewer(
        user_id=SALES_MANAGER_ID,
        is_admin=False,
        department_id=SALES_ID,
        department_path=SALES_MANAGER_PATH,
        token_id=1,
        policy_epoch=1,
    )
    # Compiled inside a statement on crm_deals, as the hub runs it: the department test is a
    # subquery correlated to the deal row.
    statement = select(Deal.id).where(predicate(read_level, viewer, RECORD_COLUMNS[CrmEntity.DEAL]))
    compiled = statement.compile(dialect=postgresql.asyncpg.dialect())  # type: ignore[no-untyped-call]
    # The floor passes (limit, user id, path) as $1-$3; the engine numbers from $1.
    engine_sql = " ".join(str(compiled).split()).replace("$2", "$3").replace("$1", "$2")
    engine_sql = engine_sql.removeprefix("SELECT crm_deals.id FROM crm_deals WHERE ")
    assert engine_sql == " ".join(MANAGER_DEAL_READ_FILTER.split())
    assert list(compiled.params.values()) == [SALES_MANAGER_ID, SALES_MANAGER_PATH]
