"""The funnel tallies per department (models/crm/funnel_tallies.py) stay equal to the deals:
after random moves, edits, reassignments and deletions of deals, users moving between
departments (the Sales manager among them), a department moving in the tree, a user's
deletion and a stage reorder, every row of them equals a count of the deals by their
responsible's department, and each demo user's funnel read from them (with the viewer's own
deals from the deal tallies) equals the same funnel counted on the deals.
"""

from __future__ import annotations

import random
from collections import Counter
from typing import Any

from sqlalchemy import text
from starlette.applications import Starlette

from schema.relay import decode_id
from tests.client import GraphQLClient
from tests.conftest import logged_in
from tests.reports.conftest import HEAD, INTERN, MANAGER
from tests.reports.test_tallies import ADMIN, EVERY_DEAL, FUNNEL, PIPELINES, USERS, _shuffle
from tests.statements import count_statements

DEPARTMENTS = "{ departments(first: 100) { edges { node { id parent { id } } } } }"
MOVE_USER = """mutation($u: ID!, $d: ID) { updateUser(id: $u, input: {departmentId: $d})
  { id } }"""
MOVE_DEPARTMENT = """mutation($d: ID!, $p: ID) { updateDepartment(id: $d, input: {parentId: $p})
  { id } }"""
CREATE_USER = """mutation($d: ID) { createUser(input: {email: "leaver@example.com",
  name: "Leaver", password: "leaver-password-1", departmentId: $d}) { id } }"""
TALLIED = "crm_deal_funnel_tallies"


async def _move_users(admin: GraphQLClient, rng: random.Random, departments: list[str]) -> int:
    """Moves about half of the users (the admin stays) to a random department or none."""
    users = [edge["node"]["id"] for edge in (await admin.data(USERS))["users"]["edges"]]
    admin_id = (await admin.data("{ viewer { id } }"))["viewer"]["id"]
    moved = 0
    for user in users:
        if user == admin_id or rng.random() < 0.5:
            continue
        target = None if rng.random() < 0.15 else rng.choice(departments)
        await admin.data(MOVE_USER, {"u": user, "d": target})
        moved += 1
    return moved


async def _move_a_department(admin: GraphQLClient, rng: random.Random) -> None:
    """A department with a parent moves under another root-level department's child, or to
    the root: its subtree's paths change, the keys of the tallies do not."""
    edges = (await admin.data(DEPARTMENTS))["departments"]["edges"]
    nodes = [edge["node"] for edge in edges]
    children = [node for node in nodes if node["parent"] is not None]
    if not children:
        return
    moving = rng.choice(children)
    await admin.data(MOVE_DEPARTMENT, {"d": moving["id"], "p": None})


async def _counted_from_deals(app: Starlette) -> Counter[tuple[int, int, int, bool]]:
    """The oracle: deals per (stage, furthest, responsible's department, opened), in Python
    from the rows."""
    async with app.state.engine.connect() as connection:
        deals = (
            await connection.execute(
                text("SELECT stage_id, furthest_stage_id, assigned_to_id, opened FROM crm_deals")
            )
        ).all()
        homes = dict((await connection.execute(text("SELECT id, department_id FROM users"))).all())
    counted: Counter[tuple[int, int, int, bool]] = Counter()
    for stage, furthest, responsible, opened in deals:
        department = homes.get(responsible) if responsible is not None else None
        counted[(stage, furthest or 0, department or 0, bool(opened))] += 1
    return counted


async def _tallied(app: Starlette) -> Counter[tuple[int, int, int, bool]]:
    async with app.state.engine.connect() as connection:
        rows = (
            await connection.execute(
                text(
                    "SELECT stage_id, furthest_stage_id, department_id, opened, deals"
                    f" FROM {TALLIED}"
                )
            )
        ).all()
    tallied: Counter[tuple[int, int, int, bool]] = Counter()
    for stage, furthest, department, opened, deals in rows:
        assert deals >= 0
        if deals:
            tallied[(stage, furthest, department, bool(opened))] += deals
    return tallied


async def test_funnel_tallies_equal_the_deals_after_users_move_between_departments(
    demo: GraphQLClient, app: Starlette
) -> None:
    admin = await logged_in(demo, ADMIN)
    rng = random.Random(18)
    departments = [
        edge["node"]["id"] for edge in (await admin.data(DEPARTMENTS))["departments"]["edges"]
    ]
    leaver = (await admin.data(CREATE_USER, {"d": rng.choice(departments)}))["createUser"]["id"]
    assert await _shuffle(admin, rng) > 20
    assert await _move_users(admin, rng, departments) > 2
    await _move_a_department(admin, rng)
    assert await _counted_from_deals(app) == await _tallied(app)
    # More writes under the new departments, then the leaver's deletion (their deals keep
    # no responsible, as the foreign key says).
    assert await _shuffle(admin, rng) > 20
    async with app.state.engine.begin() as connection:
        leaver_id = decode_id(leaver, "User")
        held = (
            await connection.execute(
                text("SELECT count(*) FROM crm_deals WHERE assigned_to_id = :u"), {"u": leaver_id}
            )
        ).scalar_one()
        await connection.execute(text("DELETE FROM users WHERE id = :u"), {"u": leaver_id})
    assert held > 0
    assert await _counted_from_deals(app) == await _tallied(app)
    await _move_users(admin, rng, departments)
    assert await _counted_from_deals(app) == await _tallied(app)

    for email in (ADMIN, HEAD, MANAGER, INTERN):
        user = await logged_in(demo, email)
        tallied = email != INTERN
        for pipeline in (await user.data(PIPELINES))["pipelines"]:
            working = [stage["id"] for stage in pipeline["stages"]][:2]
            filters: list[dict[str, Any] | None] = [
                None,
                {"opened": True},
                {"not": {"opened": True}},
                {"stageId": {"in": working}},
            ]
            for filter in filters:
                variables = {"p": pipeline["id"], "filter": filter}
                with count_statements(app.state.engine) as log:
                    fast = await user.data(FUNNEL, variables)
                assert any(TALLIED in sql for sql in log.statements) == tallied, email
                every = EVERY_DEAL if filter is None else {"and": [filter, EVERY_DEAL]}
                with count_statements(app.state.engine) as log:
                    slow = await user.data(FUNNEL, {"p": pipeline["id"], "filter": every})
                assert not any(TALLIED in sql for sql in log.statements)
                assert fast == slow, (email, pipeline["id"], filter)


async def test_a_funnel_filtered_by_responsible_or_currency_reads_the_deal_tallies(
    demo: GraphQLClient, app: Starlette
) -> None:
    manager = await logged_in(demo, MANAGER)
    users = [edge["node"]["id"] for edge in (await manager.data(USERS))["users"]["edges"]]
    pipeline = (await manager.data(PIPELINES))["pipelines"][0]["id"]
    for filter in ({"assignedToId": {"in": users[:3]}}, {"currency": {"eq": "USD"}}):
        with count_statements(app.state.engine) as log:
            fast = await manager.data(FUNNEL, {"p": pipeline, "filter": filter})
        assert not any(TALLIED in sql for sql in log.statements)
        assert any("crm_deal_tallies" in sql for sql in log.statements)
        slow = await manager.data(FUNNEL, {"p": pipeline, "filter": {"and": [filter, EVERY_DEAL]}})
        assert fast == slow
