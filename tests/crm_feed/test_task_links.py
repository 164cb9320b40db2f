"""Tasks linked to CRM records: validated links, invisible records dropped, both directions."""

from __future__ import annotations

from typing import Any

from tests.client import GraphQLClient
from tests.collaboration.factories import Company, Users, gid
from tests.crm_feed.world import create_deal, create_lead, sales_world

CREATE_TASK = """mutation($title: String!, $items: [ID!]!, $to: ID) {
  createTask(input: {title: $title, crmItemIds: $items, responsibleId: $to}) { id }
}"""
UPDATE_TASK = """mutation($id: ID!, $items: [ID!]) {
  updateTask(id: $id, input: {crmItemIds: $items}) { id crmItems { __typename } }
}"""
TASK_ITEMS = """query($id: ID!) { node(id: $id) { ... on Task {
  crmItems { __typename ... on Deal { id title } ... on Lead { id title } }
} } }"""
DEAL_TASKS = """query($id: ID!) { node(id: $id) { ... on Deal { tasks { title } } } }"""
TASKS_OF = """query($item: ID) { tasks(first: 50, filter: {crmItemId: $item}) {
  totalCount edges { node { title } }
} }"""


async def create_task(
    client: GraphQLClient, title: str, items: list[str], to: str | None = None
) -> str:
    data = await client.data(CREATE_TASK, {"title": title, "items": items, "to": to})
    task_id: str = data["createTask"]["id"]
    return task_id


async def crm_items(client: GraphQLClient, task_id: str) -> list[dict[str, Any]]:
    data = await client.data(TASK_ITEMS, {"id": task_id})
    items: list[dict[str, Any]] = data["node"]["crmItems"]
    return items


async def test_a_task_lists_only_the_linked_records_its_viewer_may_read(
    company: Company, users: Users
) -> None:
    world = await sales_world(company, users)
    ninas = await create_deal(world.ada, "Nina's deal", company.nina.id)
    adas = await create_deal(world.ada, "Ada's deal", company.ada.id)
    lead = await create_lead(world.ada, "Nina's lead", company.nina.id)
    nina_id = gid("User", company.nina.id)
    task = await create_task(world.ada, "Call", [ninas["id"], adas["id"], lead], nina_id)

    assert {item["title"] for item in await crm_items(world.ada, task)} == {
        "Nina's deal",
        "Ada's deal",
        "Nina's lead",
    }
    seen = await crm_items(world.nina, task)
    assert sorted((item["__typename"], item["title"]) for item in seen) == [
        ("Deal", "Nina's deal"),
        ("Lead", "Nina's lead"),
    ]
    assert (await world.nina.data(DEAL_TASKS, {"id": ninas["id"]}))["node"]["tasks"] == [
        {"title": "Call"}
    ]
    linked = await world.nina.data(TASKS_OF, {"item": ninas["id"]})
    assert linked["tasks"]["totalCount"] == 1
    # Owen sees neither the task nor, through the deal, anything of it.
    assert (await world.owen.data(TASKS_OF, {"item": ninas["id"]}))["tasks"]["totalCount"] == 0


async def test_links_are_replaced_and_cleared_by_update(company: Company, users: Users) -> None:
    world = await sales_world(company, users)
    deal = await create_deal(world.ada, "D", company.nina.id)
    lead = await create_lead(world.ada, "L", company.nina.id)
    task = await create_task(world.nina, "Follow up", [deal["id"]])
    data = await world.nina.data(UPDATE_TASK, {"id": task, "items": [lead]})
    assert data["updateTask"]["crmItems"] == [{"__typename": "Lead"}]
    data = await world.nina.data(UPDATE_TASK, {"id": task, "items": None})
    assert data["updateTask"]["crmItems"] == []
    assert (await world.nina.data(DEAL_TASKS, {"id": deal["id"]}))["node"]["tasks"] == []


async def test_bad_crm_item_ids_are_refused_naming_the_field(
    company: Company, users: Users
) -> None:
    world = await sales_world(company, users)
    adas = await create_deal(world.ada, "Ada's deal", company.ada.id)
    cases = [
        ([gid("User", company.nina.id)], "BAD_USER_INPUT"),  # not a CRM record
        (["not-an-id"], "BAD_USER_INPUT"),
        ([gid("Deal", 999_999)], "NOT_FOUND"),  # unknown
        ([adas["id"]], "NOT_FOUND"),  # exists, but Nina may not read it
    ]
    for items, code in cases:
        response = await world.nina.request(CREATE_TASK, {"title": "T", "items": items})
        assert (response.code, response.error_field) == (code, "crmItemIds"), items
    task = await create_task(world.nina, "Mine", [])
    response = await world.nina.request(UPDATE_TASK, {"id": task, "items": [adas["id"]]})
    assert (response.code, response.error_field) == ("NOT_FOUND", "crmItemIds")
    response = await world.nina.request(TASKS_OF, {"item": gid("Task", 1)})
    assert (response.code, response.error_field) == ("BAD_USER_INPUT", "crmItemId")
