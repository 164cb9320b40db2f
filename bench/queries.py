"""Every benchmark query, as one data entry: GraphQL, variables, who asks, what to expect,
how many SQL statements it may take, and the floor — the same rows fetched by raw asyncpg
with the same SQL the hub runs, shaped into the same JSON.

Entries whose root fields the hub does not have yet (the CRM API, issue #7 (a)-(e)) are
kept here with ``floor=None`` and skipped, with their note, until introspection finds them.
"""

from __future__ import annotations

import base64
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

import asyncpg

from bench.dataset import ADMIN_EMAIL, SALES_MANAGER_EMAIL, SALES_MANAGER_ID, Scale

JSON = dict[str, Any]
FloorFetch = Callable[[asyncpg.Connection, Mapping[str, Any]], Awaitable[JSON]]


@dataclass(frozen=True)
class BenchQuery:
    name: str
    description: str
    document: str
    variables: Mapping[str, Any]
    login_email: str
    # Where the counted list sits in ``data``; ``()`` for a single object.
    items_path: tuple[str, ...]
    expected_items: Callable[[Scale], int]
    # Upper bound on SQL statements per request, token lookup included (DESIGN §7: constant).
    statement_budget: int
    # The hub's root fields this query needs; missing ones mean "not built yet".
    root_fields: tuple[str, ...]
    floor: FloorFetch | None
    pending: str = ""


def global_id(type_name: str, pk: int) -> str:
    """The hub's opaque Relay ID (``schema/relay.py``), rebuilt here so the floor stays tiny."""
    return base64.urlsafe_b64encode(f"{type_name}:{pk}".encode()).decode().rstrip("=")


# The SQL below is what SQLAlchemy emits for the hub (see the statements the gates record in
# bench/results/*.json), with IN-lists written as ``= ANY($1)``.
USER_COLUMNS = (
    "users.id, users.email, users.name, users.position, users.department_id, users.is_admin,"
    " users.active, users.password_hash, users.created_at, users.updated_at"
)
DEPARTMENT_COLUMNS = (
    "departments.id, departments.name, departments.parent_id, departments.head_id,"
    " departments.path, departments.created_at, departments.updated_at"
)
USERS_PAGE_SQL = (
    f"SELECT {USER_COLUMNS}, users.name AS name__1, users.id AS id__1 FROM users"
    " ORDER BY users.name ASC, users.id ASC LIMIT $1::INTEGER"
)
USERS_BY_ID_SQL = f"SELECT {USER_COLUMNS} FROM users WHERE users.id = ANY($1::BIGINT[])"
DEPARTMENTS_BY_ID_SQL = (
    f"SELECT {DEPARTMENT_COLUMNS} FROM departments WHERE departments.id = ANY($1::BIGINT[])"
)
DEPARTMENTS_PAGE_SQL = (
    f"SELECT {DEPARTMENT_COLUMNS}, departments.name AS name__1, departments.id AS id__1"
    " FROM departments ORDER BY departments.name ASC, departments.id ASC LIMIT $1::INTEGER"
)
MEMBERS_SQL = (
    f"SELECT {USER_COLUMNS} FROM users WHERE users.department_id = ANY($1::BIGINT[])"
    " ORDER BY users.name, users.id"
)


async def _department_names(connection: asyncpg.Connection, ids: set[int]) -> dict[int, str]:
    rows = await connection.fetch(DEPARTMENTS_BY_ID_SQL, list(ids))
    return {row["id"]: row["name"] for row in rows}


def _user_node(row: asyncpg.Record, department_names: Mapping[int, str]) -> JSON:
    department_id = row["department_id"]
    return {
        "id": global_id("User", row["id"]),
        "name": row["name"],
        "email": row["email"],
        "department": None if department_id is None else {"name": department_names[department_id]},
    }


async def floor_users_page(connection: asyncpg.Connection, variables: Mapping[str, Any]) -> JSON:
    # The hub fetches one row more than asked, to know whether a next page exists.
    rows = (await connection.fetch(USERS_PAGE_SQL, variables["first"] + 1))[: variables["first"]]
    departments = await _department_names(
        connection, {row["department_id"] for row in rows if row["department_id"] is not None}
    )
    return {"users": {"edges": [{"node": _user_node(row, departments)} for row in rows]}}


async def floor_user_node(connection: asyncpg.Connection, variables: Mapping[str, Any]) -> JSON:
    _, pk = base64.urlsafe_b64decode(variables["id"] + "==").decode().split(":")
    row = (await connection.fetch(USERS_BY_ID_SQL, [int(pk)]))[0]
    departments = await _department_names(connection, {row["department_id"]})
    return {"node": _user_node(row, departments)}


async def floor_departments(connection: asyncpg.Connection, variables: Mapping[str, Any]) -> JSON:
    page = (await connection.fetch(DEPARTMENTS_PAGE_SQL, variables["first"] + 1))[
        : variables["first"]
    ]
    members: dict[int, list[JSON]] = {row["id"]: [] for row in page}
    for row in await connection.fetch(MEMBERS_SQL, list(members)):
        members[row["department_id"]].append(
            {"id": global_id("User", row["id"]), "name": row["name"], "email": row["email"]}
        )
    edges = [
        {"node": {"id": global_id("Department", row["id"]), "name": row["name"],
                  "members": members[row["id"]]}}
        for row in page
    ]  # fmt: skip
    return {"departments": {"edges": edges}}


PAGE = 50
DEAL_NODE = """
        id title amount currency
        stage { id name }
        company { id title }
        contacts { id firstName lastName }
        assignedTo { id name }"""
CRM_PENDING = "needs the CRM API (DESIGN §6/§8); fill in the floor with the hub's SQL once it lands"

QUERIES: tuple[BenchQuery, ...] = (
    BenchQuery(
        name="users",
        description="users(first: 50) with each user's department",
        document="query Users($first: Int!) { users(first: $first) { edges { node {"
        " id name email department { name } } } } }",
        variables={"first": PAGE},
        login_email=ADMIN_EMAIL,
        items_path=("users", "edges"),
        expected_items=lambda scale: min(PAGE, scale.users),
        statement_budget=3,  # token, page, departments batch
        root_fields=("users",),
        floor=floor_users_page,
    ),
    BenchQuery(
        name="node-user",
        description="node(id:) on a user, with the department",
        document="query Node($id: ID!) { node(id: $id) { ... on User {"
        " id name email department { name } } } }",
        variables={"id": global_id("User", SALES_MANAGER_ID)},
        login_email=ADMIN_EMAIL,
        items_path=(),
        expected_items=lambda scale: 1,
        statement_budget=3,  # token, user, department
        root_fields=("node",),
        floor=floor_user_node,
    ),
    BenchQuery(
        name="departments",
        description="departments(first: 50) with their members",
        document="query Departments($first: Int!) { departments(first: $first) { edges { node {"
        " id name members { id name email } } } } }",
        variables={"first": PAGE},
        login_email=ADMIN_EMAIL,
        items_path=("departments", "edges"),
        expected_items=lambda scale: min(PAGE, scale.departments),
        statement_budget=3,  # token, page, members batch
        root_fields=("departments",),
        floor=floor_departments,
    ),
    # --- issue #7 (a)-(e): waiting for the CRM API ------------------------------------------
    BenchQuery(
        name="a-deals-manager",
        description="(a) deals(first: 50) with stage, company, contacts, assignedTo as a "
        "Sales manager (permission filter active)",
        document=f"query Deals($first: Int!) {{ deals(first: $first) {{ edges {{ node {{"
        f"{DEAL_NODE} }} }} }} }}",
        variables={"first": PAGE},
        login_email=SALES_MANAGER_EMAIL,
        items_path=("deals", "edges"),
        expected_items=lambda scale: PAGE,
        statement_budget=6,  # token, page, stages, companies, contacts, users
        root_fields=("deals",),
        floor=None,
        pending=CRM_PENDING + "; also needs the Sales manager role (access issue)",
    ),
    BenchQuery(
        name="b-deals-admin",
        description="(b) the same deals page as admin",
        document=f"query Deals($first: Int!) {{ deals(first: $first) {{ edges {{ node {{"
        f"{DEAL_NODE} }} }} }} }}",
        variables={"first": PAGE},
        login_email=ADMIN_EMAIL,
        items_path=("deals", "edges"),
        expected_items=lambda scale: PAGE,
        statement_budget=6,
        root_fields=("deals",),
        floor=None,
        pending=CRM_PENDING,
    ),
    BenchQuery(
        name="c-node-deal",
        description="(c) node(id:) on a deal",
        document=f"query Node($id: ID!) {{ node(id: $id) {{ ... on Deal {{{DEAL_NODE} }} }} }}",
        variables={"id": global_id("Deal", 1)},
        login_email=ADMIN_EMAIL,
        items_path=(),
        expected_items=lambda scale: 1,
        statement_budget=6,
        root_fields=("node", "deals"),
        floor=None,
        pending=CRM_PENDING,
    ),
    BenchQuery(
        name="d-deals-search",
        description="(d) a filtered, sorted search: title contains, amount >=, by amount desc",
        document="query Search($first: Int!, $filter: DealFilter, $orderBy: [DealOrder!]) {"
        " deals(first: $first, filter: $filter, orderBy: $orderBy) { edges { node {"
        f"{DEAL_NODE} }} }} }} }}",
        variables={
            "first": PAGE,
            "filter": {"title": {"contains": "nova"}, "amount": {"gte": "500000.00"}},
            "orderBy": [{"field": "AMOUNT", "direction": "DESC"}],
        },
        login_email=ADMIN_EMAIL,
        items_path=("deals", "edges"),
        expected_items=lambda scale: min(PAGE, scale.deals // 20),
        statement_budget=6,
        root_fields=("deals",),
        floor=None,
        pending=CRM_PENDING,
    ),
    BenchQuery(
        name="e-companies-deals",
        description="(e) companies(first: 20) with their deals",
        document="query Companies($first: Int!) { companies(first: $first) { edges { node {"
        " id title deals { id title amount currency stage { id name } } } } } }",
        variables={"first": 20},
        login_email=ADMIN_EMAIL,
        items_path=("companies", "edges"),
        expected_items=lambda scale: 20,
        statement_budget=5,  # token, page, deals batch, stages
        root_fields=("companies",),
        floor=None,
        pending=CRM_PENDING,
    ),
)


def dig(data: Any, path: tuple[str, ...]) -> Any:
    for key in path:
        data = data[key] if isinstance(data, dict) else None
    return data
