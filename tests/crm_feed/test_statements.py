"""No N+1: the feed with CRM events, tasks with their CRM items and records with their tasks
cost the same for a page of 1 and of 50."""

from __future__ import annotations

import pytest
from starlette.applications import Starlette

from tests.client import GraphQLClient
from tests.collaboration.factories import Company, Users, gid
from tests.crm_feed.world import create_deal, move_deal, next_stage, sales_world
from tests.statements import count_statements

ROWS = 4

FEED = """query($n: Int, $kinds: [FeedEventKind!]) {
 feed(first: $n, kinds: $kinds) { totalCount edges { node {
  kind changes actor { name }
  subject { ... on Deal { title stage { name } } ... on Lead { title } } } } } }"""

TASKS = """query($n: Int) { tasks(first: $n) { totalCount edges { node {
  title crmItems { __typename ... on Deal { title } ... on Lead { title }
                   ... on Contact { name } ... on Company { title } }
} } } }"""

DEALS = """query($n: Int) { deals(first: $n) { totalCount edges { node {
  title tasks { title responsible { name } }
} } } }"""


async def _workload(company: Company, users: Users) -> GraphQLClient:
    """Deals, leads, contacts and companies of Nina, each kind linked to each of her tasks."""
    world = await sales_world(company, users)
    to_nina = {"to": gid("User", company.nina.id)}
    for index in range(ROWS):
        deal = await create_deal(world.ada, f"deal {index}", company.nina.id)
        await move_deal(world.ada, deal, next_stage(deal))
        lead = await world.ada.data(
            'mutation($to: ID) { createLead(input: {title: "l", assignedToId: $to}) { id } }',
            to_nina,
        )
        contact = await world.ada.data(
            'mutation($to: ID) { createContact(input: {lastName: "c", assignedToId: $to}) { id } }',
            to_nina,
        )
        firm = await world.ada.data(
            'mutation($to: ID) { createCompany(input: {title: "f", assignedToId: $to}) { id } }',
            to_nina,
        )
        items = [
            deal["id"],
            lead["createLead"]["id"],
            contact["createContact"]["id"],
            firm["createCompany"]["id"],
        ]
        await world.nina.data(
            "mutation($t: String!, $items: [ID!]!) { "
            "createTask(input: {title: $t, crmItemIds: $items}) { id } }",
            {"t": f"task {index}", "items": items},
        )
    return world.nina


async def _statements(
    client: GraphQLClient, app: Starlette, query: str, **variables: object
) -> int:
    with count_statements(app.state.engine) as log:
        data = await client.data(query, variables)
    connection = next(iter(data.values()))
    assert connection["totalCount"] >= ROWS
    assert len(connection["edges"]) == min(variables["n"], connection["totalCount"])
    return log.count


@pytest.mark.parametrize(
    ("query", "kinds"),
    [
        (FEED, ["DEAL_CREATED"]),
        (FEED, ["DEAL_STAGE_MOVED"]),
        (FEED, ["LEAD_CREATED"]),
        (TASKS, None),
        (DEALS, None),
    ],
)
async def test_crm_lists_cost_the_same_for_1_row_and_50(
    query: str, kinds: list[str] | None, company: Company, users: Users, app: Starlette
) -> None:
    nina = await _workload(company, users)
    variables = {} if kinds is None else {"kinds": kinds}
    one = await _statements(nina, app, query, n=1, **variables)
    fifty = await _statements(nina, app, query, n=50, **variables)
    assert one == fifty
