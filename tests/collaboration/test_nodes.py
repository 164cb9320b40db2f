"""node(id) reaches every collaboration type, with the same visibility as its lists."""

from __future__ import annotations

from tests.collaboration.factories import Company, Users, gid

NODE = """query($id: ID!) { node(id: $id) { __typename id
  ... on ChecklistItem { title } ... on Notification { text } ... on FeedEvent { cursor } } }"""


async def test_node_finds_checklist_items_notifications_and_feed_events_for_those_who_see_them(
    company: Company, users: Users
) -> None:
    mia, nina, owen = await users(company.mia), await users(company.nina), await users(company.owen)
    task = await mia.data(
        'mutation($r: ID) { createTask(input: {title: "t", responsibleId: $r}) { id } }',
        {"r": gid("User", company.nina.id)},
    )
    item = await mia.data(
        'mutation($t: ID!) { addChecklistItem(taskId: $t, title: "step") { id } }',
        {"t": task["createTask"]["id"]},
    )
    notification = await nina.data("{ notifications(first: 1) { edges { node { id } } } }")
    event = await nina.data("{ feed(first: 1) { edges { node { id } } } }")
    ids = {
        "ChecklistItem": item["addChecklistItem"]["id"],
        "Notification": notification["notifications"]["edges"][0]["node"]["id"],
        "FeedEvent": event["feed"]["edges"][0]["node"]["id"],
    }
    for type_name, node_id in ids.items():
        found = (await nina.data(NODE, {"id": node_id}))["node"]
        assert (found["__typename"], found["id"]) == (type_name, node_id)
        assert (await owen.request(NODE, {"id": node_id})).is_null(), type_name
    # A notification is its recipient's alone, even for the task's creator.
    assert (await mia.request(NODE, {"id": ids["Notification"]})).is_null()
