"""A deterministic CRM dataset at a chosen scale, loaded with COPY into the real tables.

The scale is the number of deals; everything else follows from it (companies ≈ deals/5,
contacts ≈ deals/2, 1-3 contacts per deal, one activity per two deals, a department tree and
its users). A fixed seed makes two runs at one scale load the same rows with the same ids, so
global IDs in query variables (``node(id:)``) are stable. Ids are given explicitly and the
sequences moved past them afterwards.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import asyncpg

from auth.passwords import hash_password
from models import ANY_SCOPE, AccessAction, AccessLevel
from models.crm import CrmEntity
from models.crm.funnel_tallies import REBUILD_SQL as REBUILD_FUNNEL_SQL
from models.crm.tallies import REBUILD_SQL

SEED = 20261126
PASSWORD = "bench-password"
EMAIL_DOMAIN = "bench.crmhub.test"
ADMIN_EMAIL = f"admin@{EMAIL_DOMAIN}"
# Holds the Sales manager role (query (a): the permission filter is active for them).
SALES_MANAGER_EMAIL = f"manager@{EMAIL_DOMAIN}"
ADMIN_ID, SALES_MANAGER_ID = 1, 2
CURRENCIES = ("USD", "EUR", "RUB")
WORDS = ("alpha", "bravo", "delta", "lima", "nova", "orbit", "pixel", "quartz", "sigma", "terra")
INDUSTRIES = ("IT", "Retail", "Manufacturing", "Finance", "Logistics", "Media")
FIRST_NAMES = ("Anna", "Boris", "Clara", "Dmitri", "Elena", "Fedor", "Galina", "Ivan", "Olga")
LAST_NAMES = ("Ivanova", "Petrov", "Smirnova", "Kuznetsov", "Popova", "Sokolov", "Volkova")
EPOCH = datetime(2026, 1, 1, tzinfo=UTC)
COPY_CHUNK = 50_000


@dataclass(frozen=True)
class Scale:
    """How many rows of each kind a number of deals implies."""

    deals: int

    @property
    def companies(self) -> int:
        return max(1, self.deals // 5)

    @property
    def contacts(self) -> int:
        return max(3, self.deals // 2)

    @property
    def activities(self) -> int:
        return max(1, self.deals // 2)

    @property
    def users(self) -> int:
        return max(55, self.deals // 200)

    @property
    def sales_teams(self) -> int:
        return max(4, self.users // 10)

    @property
    def departments(self) -> int:
        # The root, three divisions, the teams under Sales.
        return 4 + self.sales_teams


@dataclass
class LoadReport:
    scale: Scale
    rows: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())

    @property
    def rows_per_second(self) -> float:
        return self.total_rows / self.seconds if self.seconds else 0.0


async def load_dataset(dsn: str, scale: Scale) -> LoadReport:
    """Fill the freshly migrated database at ``dsn``; returns row counts and the time taken."""
    rng = random.Random(SEED)
    report = LoadReport(scale)
    started = time.perf_counter()
    connection = await asyncpg.connect(dsn)
    try:
        stage_ids = [
            row["id"]
            for row in await connection.fetch("SELECT id FROM crm_deal_stages ORDER BY sort, id")
        ]
        pipeline_id = await connection.fetchval("SELECT id FROM crm_pipelines WHERE is_default")
        # One argon2 hash for everyone: hashing 5,000 passwords would dominate the load.
        password_hash = hash_password(PASSWORD)
        tables: list[tuple[str, tuple[str, ...], Iterable[tuple[object, ...]]]] = [
            ("departments", DEPARTMENT_COLUMNS, _departments(scale)),
            ("users", USER_COLUMNS, _users(scale, rng, password_hash)),
            ("crm_companies", COMPANY_COLUMNS, _companies(scale, rng)),
            ("crm_contacts", CONTACT_COLUMNS, _contacts(scale, rng)),
            ("crm_contact_companies", ("contact_id", "company_id"), _contact_companies(scale)),
            ("crm_deals", DEAL_COLUMNS, _deals(scale, rng, pipeline_id, stage_ids)),
            ("crm_deal_contacts", ("deal_id", "contact_id"), _deal_contacts(scale, rng)),
            ("crm_activities", ACTIVITY_COLUMNS, _activities(scale, rng)),
            ("crm_activity_bindings", BINDING_COLUMNS, _bindings(scale)),
        ]
        async with connection.transaction():
            # Bulk-load order: no per-row foreign-key triggers (the generator makes every
            # reference valid), secondary indexes built once at the end by a sort instead of
            # row by row. Both are what makes 1M deals take minutes, not a quarter of an hour.
            await connection.execute("SET LOCAL session_replication_role = replica")
            indexes = await _drop_secondary_indexes(connection, [table for table, *_ in tables])
            for table, columns, records in tables:
                report.rows[table] = await _copy(connection, table, columns, records)
            for definition in indexes:
                await connection.execute(definition)
            await _set_department_heads(connection)
            # The triggers that keep the deal tallies are off during the load: tally once.
            for statement in [*REBUILD_SQL.split(";"), *REBUILD_FUNNEL_SQL.split(";")]:
                await connection.execute(statement)
            report.rows["role_permissions"] = await _load_roles(connection)
            for table in ("departments", "users", "crm_companies", "crm_contacts", "crm_deals"):
                await _move_sequence_past_rows(connection, table)
        await connection.execute("ANALYZE")
    finally:
        await connection.close()
    report.seconds = time.perf_counter() - started
    return report


async def _copy(
    connection: asyncpg.Connection,
    table: str,
    columns: tuple[str, ...],
    records: Iterable[tuple[object, ...]],
) -> int:
    count = 0
    for chunk in _chunks(records, COPY_CHUNK):
        await connection.copy_records_to_table(table, records=chunk, columns=columns)
        count += len(chunk)
    return count


def _chunks(records: Iterable[tuple[object, ...]], size: int) -> Iterator[list[tuple[object, ...]]]:
    chunk: list[tuple[object, ...]] = []
    for record in records:
        chunk.append(record)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


async def _drop_secondary_indexes(connection: asyncpg.Connection, tables: list[str]) -> list[str]:
    """Drop the plain (non-constraint) indexes of ``tables``; returns how to recreate them."""
    rows = await connection.fetch(
        """
        SELECT i.indexname, i.indexdef FROM pg_indexes i
        WHERE i.schemaname = 'public' AND i.tablename = ANY($1::text[])
          AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)
        """,
        tables,
    )
    for row in rows:
        await connection.execute(f'DROP INDEX "{row["indexname"]}"')
    return [row["indexdef"] for row in rows]


async def _set_department_heads(connection: asyncpg.Connection) -> None:
    # The first member of each department heads it; the admin heads the root.
    await connection.execute(
        """
        UPDATE departments d SET head_id = (
            SELECT min(u.id) FROM users u WHERE u.department_id = d.id)
        """
    )


async def _move_sequence_past_rows(connection: asyncpg.Connection, table: str) -> None:
    await connection.execute(
        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"
        f" (SELECT coalesce(max(id), 0) + 1 FROM {table}), false)"
    )


DEPARTMENT_COLUMNS = ("id", "name", "parent_id", "path")
ROOT_ID, SALES_ID, MARKETING_ID, SUPPORT_ID = 1, 2, 3, 4


# (role id, name, level for READ, level for every other action, holder's user id); as in
# crmhub/demo_access.py: the Sales manager owns their records and reads every opened one.
ROLES = (
    (1, "Administrator", AccessLevel.ALL, AccessLevel.ALL, ADMIN_ID),
    (2, "Sales manager", AccessLevel.OPEN, AccessLevel.OWN, SALES_MANAGER_ID),
)


async def _load_roles(connection: asyncpg.Connection) -> int:
    """The two roles the read queries run as, with a grant per (entity, action); returns the
    number of grants. The policy epoch moves so no process serves a policy compiled before."""
    grants = [
        (
            role_id,
            entity.value,
            action.value,
            ANY_SCOPE.encode(),
            (read if action is AccessAction.READ else other).value,
        )
        for role_id, _name, read, other, _holder in ROLES
        for entity in CrmEntity
        for action in AccessAction
    ]
    await connection.executemany(
        "INSERT INTO roles (id, name, description, created_at) VALUES ($1, $2, '', now())",
        [(role_id, name) for role_id, name, *_ in ROLES],
    )
    await connection.executemany(
        "INSERT INTO role_permissions (role_id, entity, action, scope, level)"
        " VALUES ($1, $2, $3, $4, $5)",
        grants,
    )
    await connection.executemany(
        "INSERT INTO role_assignments (role_id, user_id) VALUES ($1, $2)",
        [(role_id, holder) for role_id, *_, holder in ROLES],
    )
    await _move_sequence_past_rows(connection, "roles")
    await connection.execute("UPDATE policy_epoch SET epoch = epoch + 1")
    return len(grants)


def _departments(scale: Scale) -> Iterator[tuple[object, ...]]:
    yield (ROOT_ID, "Company", None, f"/{ROOT_ID}/")
    for division_id, name in ((SALES_ID, "Sales"), (MARKETING_ID, "Marketing"), (4, "Support")):
        yield (division_id, name, ROOT_ID, f"/{ROOT_ID}/{division_id}/")
    for team in range(scale.sales_teams):
        team_id = 5 + team
        yield (team_id, f"Sales team {team + 1:04d}", SALES_ID, f"/1/{SALES_ID}/{team_id}/")


USER_COLUMNS = ("id", "email", "name", "position", "department_id", "is_admin", "active",
                "password_hash")  # fmt: skip


def _users(scale: Scale, rng: random.Random, password_hash: str) -> Iterator[tuple[object, ...]]:
    yield (ADMIN_ID, ADMIN_EMAIL, "Bench Admin", "Administrator", ROOT_ID, True, True,
           password_hash)  # fmt: skip
    yield (SALES_MANAGER_ID, SALES_MANAGER_EMAIL, "Bench Sales Manager", "Sales manager",
           SALES_ID, False, True, password_hash)  # fmt: skip
    last_department = scale.departments
    for user_id in range(3, scale.users + 1):
        name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)} {user_id:05d}"
        department = rng.randint(MARKETING_ID, last_department)
        yield (user_id, f"user{user_id:05d}@{EMAIL_DOMAIN}", name, "Sales agent", department,
               False, True, password_hash)  # fmt: skip


COMPANY_COLUMNS = ("id", "title", "industry", "revenue", "employees", "address",
                   "assigned_to_id", "created_by_id", "opened")  # fmt: skip


def _companies(scale: Scale, rng: random.Random) -> Iterator[tuple[object, ...]]:
    for company_id in range(1, scale.companies + 1):
        owner = rng.randint(1, scale.users)
        yield (
            company_id,
            f"{rng.choice(WORDS).title()} {rng.choice(WORDS).title()} Ltd {company_id:07d}",
            rng.choice(INDUSTRIES),
            Decimal(rng.randrange(10_000_00, 100_000_000_00)).scaleb(-2),
            rng.randrange(5, 5000),
            f"{company_id} Main Street",
            owner,
            owner,
            rng.random() < 0.3,
        )


CONTACT_COLUMNS = ("id", "first_name", "last_name", "position", "assigned_to_id",
                   "created_by_id", "opened")  # fmt: skip


def _contacts(scale: Scale, rng: random.Random) -> Iterator[tuple[object, ...]]:
    for contact_id in range(1, scale.contacts + 1):
        owner = rng.randint(1, scale.users)
        yield (
            contact_id,
            rng.choice(FIRST_NAMES),
            f"{rng.choice(LAST_NAMES)}-{contact_id:07d}",
            "Buyer",
            owner,
            owner,
            rng.random() < 0.3,
        )


def _contact_companies(scale: Scale) -> Iterator[tuple[object, ...]]:
    # Contacts ≈ 2.5 per company: contact c works for company c mod companies.
    for contact_id in range(1, scale.contacts + 1):
        yield (contact_id, (contact_id - 1) % scale.companies + 1)


DEAL_COLUMNS = ("id", "title", "pipeline_id", "stage_id", "amount", "currency", "probability",
                "company_id", "assigned_to_id", "created_by_id", "opened", "closed_at")  # fmt: skip


def _deals(
    scale: Scale, rng: random.Random, pipeline_id: int, stage_ids: list[int]
) -> Iterator[tuple[object, ...]]:
    closing_stages = set(stage_ids[-2:])  # the seeded Won and Lost
    for deal_id in range(1, scale.deals + 1):
        stage = rng.choice(stage_ids)
        owner = rng.randint(1, scale.users)
        yield (
            deal_id,
            f"{rng.choice(WORDS).title()} deal {deal_id:07d}",
            pipeline_id,
            stage,
            Decimal(rng.randrange(100_00, 1_000_000_00)).scaleb(-2),
            rng.choice(CURRENCIES),
            rng.randrange(0, 101, 10),
            rng.randint(1, scale.companies),
            owner,
            owner,
            rng.random() < 0.3,
            EPOCH + timedelta(minutes=deal_id) if stage in closing_stages else None,
        )


def _deal_contacts(scale: Scale, rng: random.Random) -> Iterator[tuple[object, ...]]:
    for deal_id in range(1, scale.deals + 1):
        first = rng.randint(1, scale.contacts)
        for offset in range(rng.randint(1, 3)):
            yield (deal_id, (first - 1 + offset) % scale.contacts + 1)


ACTIVITY_COLUMNS = ("id", "kind", "subject", "description", "direction", "start_at", "end_at",
                    "completed", "assigned_to_id", "created_by_id")  # fmt: skip
BINDING_COLUMNS = ("activity_id", "entity_type", "entity_id")
ACTIVITY_KINDS = (
    ("CALL", "OUTGOING"),
    ("MEETING", "NONE"),
    ("EMAIL", "INCOMING"),
    ("NOTE", "NONE"),
)


def _activities(scale: Scale, rng: random.Random) -> Iterator[tuple[object, ...]]:
    for activity_id in range(1, scale.activities + 1):
        kind, direction = rng.choice(ACTIVITY_KINDS)
        start = EPOCH + timedelta(minutes=activity_id * 7)
        owner = rng.randint(1, scale.users)
        yield (activity_id, kind, f"{kind.title()} #{activity_id}", "", direction, start,
               start + timedelta(minutes=30), rng.random() < 0.5, owner, owner)  # fmt: skip


def _bindings(scale: Scale) -> Iterator[tuple[object, ...]]:
    # Activity n belongs to deal 2n-1: every other deal has a timeline entry.
    for activity_id in range(1, scale.activities + 1):
        yield (activity_id, "DEAL", min(2 * activity_id - 1, scale.deals))
