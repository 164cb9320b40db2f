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
from decimal import Decimal
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
    # A fragment the hub's SQL must hold (the permission predicate of query (a)).
    hub_sql_contains: str = ""


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

# --- the CRM floors (a)-(e): the statements the gates recorded for the hub ------------------
DEAL_COLUMNS = (
    "crm_deals.id, crm_deals.title, crm_deals.pipeline_id, crm_deals.stage_id,"
    " crm_deals.amount, crm_deals.currency, crm_deals.probability, crm_deals.company_id,"
    " crm_deals.assigned_to_id, crm_deals.created_by_id, crm_deals.opened,"
    " crm_deals.source_lead_id, crm_deals.closed_at, crm_deals.created_at, crm_deals.updated_at"
)
COMPANY_COLUMNS = (
    "crm_companies.id, crm_companies.title, crm_companies.industry, crm_companies.revenue,"
    " crm_companies.employees, crm_companies.address, crm_companies.assigned_to_id,"
    " crm_companies.created_by_id, crm_companies.opened, crm_companies.source_lead_id,"
    " crm_companies.created_at, crm_companies.updated_at"
)
STAGES_BY_ID_SQL = (
    "SELECT crm_deal_stages.id, crm_deal_stages.pipeline_id, crm_deal_stages.name,"
    " crm_deal_stages.sort, crm_deal_stages.semantics, crm_deal_stages.created_at"
    " FROM crm_deal_stages WHERE crm_deal_stages.id = ANY($1::BIGINT[])"
)
COMPANIES_BY_ID_SQL = (
    f"SELECT {COMPANY_COLUMNS} FROM crm_companies WHERE crm_companies.id = ANY($1::BIGINT[])"
)
CONTACTS_OF_DEALS_SQL = (
    "SELECT crm_contacts.id, crm_contacts.first_name, crm_contacts.last_name,"
    " crm_contacts.position, crm_contacts.assigned_to_id, crm_contacts.created_by_id,"
    " crm_contacts.opened, crm_contacts.source_lead_id, crm_contacts.created_at,"
    " crm_contacts.updated_at, crm_deal_contacts.deal_id FROM crm_contacts"
    " JOIN crm_deal_contacts ON crm_deal_contacts.contact_id = crm_contacts.id"
    " WHERE crm_deal_contacts.deal_id = ANY($1::BIGINT[])"
    " ORDER BY crm_contacts.last_name, crm_contacts.first_name, crm_contacts.id"
)
DEALS_PAGE_SQL = (
    f"SELECT {DEAL_COLUMNS}, crm_deals.created_at AS created_at__1, crm_deals.id AS id__1"
    " FROM crm_deals WHERE {where}"
    " ORDER BY crm_deals.created_at DESC, crm_deals.id DESC LIMIT $1::INTEGER"
)


# policy.read_filter(DEAL) for the bench's Sales manager (OPEN for READ, department path
# /1/2/), compiled for PostgreSQL by auth/policy/levels.py predicate(); tests/bench checks it
# still equals what the engine compiles. The hub's list resolvers emit it once the access
# wiring is merged; until then the hub sends `WHERE true` and gate (a) fails on its data.
def manager_read_filter(table: str) -> str:
    """The Sales manager's READ predicate (OPEN) on one CRM table: $2 is the user, $3 the
    department path. The hub applies it to the page and to every nested company and contact
    (a related record the viewer may not read resolves to null or is left out)."""
    return (
        f"{table}.assigned_to_id = $2::BIGINT OR {table}.opened IS true OR ((SELECT"
        " departments.path FROM departments JOIN users ON users.department_id = departments.id"
        f" WHERE users.id = {table}.assigned_to_id) LIKE $3::VARCHAR || '%')"
    )


MANAGER_DEAL_READ_FILTER = manager_read_filter("crm_deals")
SALES_MANAGER_PATH = "/1/2/"
DEAL_BY_ID_SQL = f"SELECT {DEAL_COLUMNS} FROM crm_deals WHERE crm_deals.id = ANY($1::BIGINT[])"
DEALS_SEARCH_SQL = (
    f"SELECT {DEAL_COLUMNS}, crm_deals.amount AS amount__1, crm_deals.id AS id__1"
    " FROM crm_deals WHERE (lower(crm_deals.title) LIKE '%' || $1::VARCHAR || '%' ESCAPE '/')"
    " AND crm_deals.amount >= $2::NUMERIC(18, 2)"
    " ORDER BY crm_deals.amount DESC, crm_deals.id DESC LIMIT $3::INTEGER"
)
COMPANIES_PAGE_SQL = (
    f"SELECT {COMPANY_COLUMNS}, crm_companies.title AS title__1, crm_companies.id AS id__1"
    " FROM crm_companies ORDER BY crm_companies.title ASC, crm_companies.id ASC"
    " LIMIT $1::INTEGER"
)
DEALS_OF_COMPANIES_SQL = (
    f"SELECT {DEAL_COLUMNS} FROM crm_deals WHERE crm_deals.company_id = ANY($1::BIGINT[])"
    " ORDER BY crm_deals.created_at DESC, crm_deals.id DESC"
)


async def _stages(connection: asyncpg.Connection, ids: set[int]) -> dict[int, JSON]:
    rows = await connection.fetch(STAGES_BY_ID_SQL, list(ids))
    return {
        row["id"]: {"id": global_id("DealStage", row["id"]), "name": row["name"]} for row in rows
    }


async def _deal_nodes(
    connection: asyncpg.Connection,
    deals: list[asyncpg.Record],
    reader: tuple[int, str] | None = None,
) -> list[JSON]:
    """stage, company, contacts and assignedTo of a page of deals: one batch each, as the
    hub's loaders do; with a ``reader`` (user id, department path) only the companies and
    contacts the Sales manager may read, as the hub's access filter does."""
    stages = await _stages(connection, {row["stage_id"] for row in deals})
    company_ids = list({row["company_id"] for row in deals if row["company_id"]})
    if reader is None:
        company_rows = await connection.fetch(COMPANIES_BY_ID_SQL, company_ids)
    else:
        readable = f"{COMPANIES_BY_ID_SQL} AND ({manager_read_filter('crm_companies')})"
        company_rows = await connection.fetch(readable, company_ids, *reader)
    companies = {
        row["id"]: {"id": global_id("Company", row["id"]), "title": row["title"]}
        for row in company_rows
    }
    contacts: dict[int, list[JSON]] = {row["id"]: [] for row in deals}
    contacts_sql = CONTACTS_OF_DEALS_SQL
    contact_params: tuple[object, ...] = ()
    if reader is not None:
        where, order = CONTACTS_OF_DEALS_SQL.split(" ORDER BY ")
        contacts_sql = f"{where} AND ({manager_read_filter('crm_contacts')}) ORDER BY {order}"
        contact_params = reader
    for row in await connection.fetch(contacts_sql, list(contacts), *contact_params):
        contacts[row["deal_id"]].append(
            {"id": global_id("Contact", row["id"]), "firstName": row["first_name"],
             "lastName": row["last_name"]}
        )  # fmt: skip
    owner_ids = list({row["assigned_to_id"] for row in deals if row["assigned_to_id"]})
    owners = {
        row["id"]: {"id": global_id("User", row["id"]), "name": row["name"]}
        for row in await connection.fetch(USERS_BY_ID_SQL, owner_ids)
    }
    return [
        {
            "id": global_id("Deal", row["id"]),
            "title": row["title"],
            "amount": str(row["amount"]),
            "currency": row["currency"],
            "stage": stages[row["stage_id"]],
            "company": companies.get(row["company_id"]),
            "contacts": contacts[row["id"]],
            "assignedTo": owners.get(row["assigned_to_id"]),
        }
        for row in deals
    ]


def _edges(nodes: list[JSON]) -> JSON:
    return {"edges": [{"node": node} for node in nodes]}


async def floor_deals_manager(connection: asyncpg.Connection, variables: Mapping[str, Any]) -> JSON:
    first = variables["first"]
    sql = DEALS_PAGE_SQL.format(where=f"({MANAGER_DEAL_READ_FILTER})")
    reader = (SALES_MANAGER_ID, SALES_MANAGER_PATH)
    rows = (await connection.fetch(sql, first + 1, *reader))[:first]
    return {"deals": _edges(await _deal_nodes(connection, rows, reader))}


async def floor_deals_admin(connection: asyncpg.Connection, variables: Mapping[str, Any]) -> JSON:
    first = variables["first"]
    rows = (await connection.fetch(DEALS_PAGE_SQL.format(where="true"), first + 1))[:first]
    return {"deals": _edges(await _deal_nodes(connection, rows))}


async def floor_deal_node(connection: asyncpg.Connection, variables: Mapping[str, Any]) -> JSON:
    _, pk = base64.urlsafe_b64decode(variables["id"] + "==").decode().split(":")
    rows = await connection.fetch(DEAL_BY_ID_SQL, [int(pk)])
    return {"node": (await _deal_nodes(connection, rows))[0]}


async def floor_deals_search(connection: asyncpg.Connection, variables: Mapping[str, Any]) -> JSON:
    first, where = variables["first"], variables["filter"]
    rows = await connection.fetch(
        DEALS_SEARCH_SQL,
        where["title"]["contains"].lower(),
        Decimal(where["amount"]["gte"]),
        first + 1,
    )
    return {"deals": _edges(await _deal_nodes(connection, rows[:first]))}


async def floor_companies_deals(
    connection: asyncpg.Connection, variables: Mapping[str, Any]
) -> JSON:
    first = variables["first"]
    page = (await connection.fetch(COMPANIES_PAGE_SQL, first + 1))[:first]
    deals: dict[int, list[asyncpg.Record]] = {row["id"]: [] for row in page}
    deal_rows = await connection.fetch(DEALS_OF_COMPANIES_SQL, list(deals))
    for row in deal_rows:
        deals[row["company_id"]].append(row)
    stages = await _stages(connection, {row["stage_id"] for row in deal_rows})

    def deal(row: asyncpg.Record) -> JSON:
        return {"id": global_id("Deal", row["id"]), "title": row["title"],
                "amount": str(row["amount"]), "currency": row["currency"],
                "stage": stages[row["stage_id"]]}  # fmt: skip

    nodes = [
        {"id": global_id("Company", row["id"]), "title": row["title"],
         "deals": [deal(item) for item in deals[row["id"]]]}
        for row in page
    ]  # fmt: skip
    return {"companies": _edges(nodes)}


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
    # --- issue #7 (a)-(e): the CRM reads ----------------------------------------------------
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
        floor=floor_deals_manager,
        hub_sql_contains="crm_deals.opened IS true",
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
        floor=floor_deals_admin,
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
        floor=floor_deal_node,
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
        floor=floor_deals_search,
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
        floor=floor_companies_deals,
    ),
)


def dig(data: Any, path: tuple[str, ...]) -> Any:
    for key in path:
        data = data[key] if isinstance(data, dict) else None
    return data
