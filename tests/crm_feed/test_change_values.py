"""The feed's `changes`: references as global IDs of the right type, one JSON type per key.

The oracle is written out here, apart from the hub's own tables: which keys refer to which
type, and which keys hold numbers or flags. The population is the demo plus one change of
every kind whose event names references (links, people, a parent task, CRM records, likes)."""

from __future__ import annotations

import base64
from collections import defaultdict
from typing import Any

from crmhub.demo import load_demo
from crmhub.settings import Settings
from tests.client import GraphQLClient

# Key → the GraphQL type its global IDs name, by the subject's type.
REFERENCES = {
    "Deal": {"assignedToId": "User", "stageId": "DealStage", "companyId": "Company",
             "pipelineId": "Pipeline", "contactIds": "Contact", "sourceLeadId": "Lead"},
    "Company": {"assignedToId": "User", "contactIds": "Contact"},
    "Contact": {"assignedToId": "User", "companyIds": "Company"},
    "Lead": {"assignedToId": "User", "statusId": "LeadStatus", "sourceId": "LeadSource",
             "contactId": "Contact", "companyId": "Company", "dealId": "Deal"},
    "Task": {"responsibleId": "User", "accomplicesIds": "User", "auditorIds": "User",
             "parentId": "Task", "crmItems": "Deal"},
    "Post": {"likedBy": "User"},
}  # fmt: skip
NUMBERS = {"probability", "employees"}
FLAGS = {"opened", "important", "requireApproval"}

FEED = """query($after: String) { feed(first: 100, after: $after) {
  pageInfo { hasNextPage endCursor }
  edges { node { kind changes subject { __typename } } } } }"""


async def test_feed_changes_name_references_by_global_id_and_keep_one_type_per_key(
    settings: Settings, client: GraphQLClient
) -> None:
    await load_demo(settings)
    admin = client.as_user(await client.login("admin@example.com"))
    await _change_everything_that_names_references(admin)

    events = await _whole_feed(admin)
    kinds_seen = {event["kind"] for event in events}
    assert {"DEAL_CREATED", "DEAL_STAGE_MOVED", "LEAD_CONVERTED", "POST_LIKED"} <= kinds_seen

    types_of_key: dict[str, set[str]] = defaultdict(set)
    references_checked: set[tuple[str, str]] = set()
    for event in events:
        subject = event["subject"]["__typename"] if event["subject"] else None
        for key, pair in event["changes"].items():
            assert isinstance(pair, list) and len(pair) == 2, (event["kind"], key, pair)
            for value in pair:
                _note_types(types_of_key, key, value)
            expected = REFERENCES.get(subject or "", {}).get(key)
            if expected is not None:
                for value in pair:
                    _assert_references(value, expected, key)
                references_checked.add((subject or "", key))
            elif key in NUMBERS:
                assert all(v is None or isinstance(v, int) for v in pair), (key, pair)
            elif key in FLAGS:
                assert all(v is None or isinstance(v, bool) for v in pair), (key, pair)
            else:
                assert not any(isinstance(v, int) for v in pair), (subject, key, pair)

    mixed = {key: types for key, types in types_of_key.items() if len(types) > 1}
    assert mixed == {}
    assert {
        ("Deal", "stageId"),
        ("Deal", "assignedToId"),
        ("Deal", "contactIds"),
        ("Company", "contactIds"),
        ("Lead", "dealId"),
        ("Task", "responsibleId"),
        ("Task", "accomplicesIds"),
        ("Task", "parentId"),
        ("Task", "crmItems"),
        ("Post", "likedBy"),
    } <= references_checked


def _note_types(types_of_key: dict[str, set[str]], key: str, value: Any) -> None:
    """A list's items count as a key of their own (``key[]``): an empty list has none."""
    if value is None:
        return
    types_of_key[key].add(type(value).__name__)
    if isinstance(value, list):
        for item in value:
            _note_types(types_of_key, f"{key}[]", item)


def _assert_references(value: Any, type_name: str, key: str) -> None:
    for one in value if isinstance(value, list) else [value]:
        if one is None:
            continue
        assert isinstance(one, str), (key, value)
        decoded = base64.urlsafe_b64decode(one + "=" * (-len(one) % 4)).decode()
        named, _, pk = decoded.partition(":")
        assert (named, pk.isdigit()) == (type_name, True), (key, value, decoded)


async def _whole_feed(admin: GraphQLClient) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    after = None
    while True:
        page = (await admin.data(FEED, {"after": after}))["feed"]
        events += [edge["node"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            return events
        after = page["pageInfo"]["endCursor"]


async def _ids(admin: GraphQLClient, field: str, count: int) -> list[str]:
    data = await admin.data(f"{{ {field}(first: {count}) {{ edges {{ node {{ id }} }} }} }}")
    return [edge["node"]["id"] for edge in data[field]["edges"]]


async def _change_everything_that_names_references(admin: GraphQLClient) -> None:
    (deal,) = await _ids(admin, "deals", 1)
    (company,) = await _ids(admin, "companies", 1)
    contacts = await _ids(admin, "contacts", 2)
    users = await _ids(admin, "users", 3)
    (post,) = await _ids(admin, "posts", 1)
    await admin.data(
        "mutation($id: ID!, $input: DealPatch!) { updateDeal(id: $id, input: $input) { id } }",
        {
            "id": deal,
            "input": {"contactIds": contacts, "opened": False, "probability": 40},
        },
    )
    await admin.data(
        "mutation($id: ID!, $input: CompanyPatch!) { updateCompany(id: $id, input: $input) "
        "{ id } }",
        {"id": company, "input": {"contactIds": contacts[:1], "employees": 12}},
    )
    lead = await admin.data('mutation { createLead(input: {title: "Typed changes"}) { id } }')
    await admin.data(
        "mutation($id: ID!) { convertLead(id: $id, input: {createContact: true, "
        "createDeal: true}) { deal { id } } }",
        {"id": lead["createLead"]["id"]},
    )
    create_task = "mutation($t: String!) { createTask(input: {title: $t}) { id } }"
    parent = (await admin.data(create_task, {"t": "Parent"}))["createTask"]["id"]
    child = (await admin.data(create_task, {"t": "Child"}))["createTask"]["id"]
    await admin.data(
        "mutation($id: ID!, $input: TaskPatch!) { updateTask(id: $id, input: $input) { id } }",
        {
            "id": child,
            "input": {
                "responsibleId": users[1],
                "accompliceIds": users[2:],
                "parentId": parent,
                "crmItemIds": [deal],
            },
        },
    )
    await admin.data("mutation($p: ID!) { likePost(postId: $p) { id } }", {"p": post})
