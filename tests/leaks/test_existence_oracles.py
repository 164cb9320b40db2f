"""Answers that would tell whether an unreadable record exists, or what it is called:
`Lead.isRepeat` and the text of an assignment notification."""

from __future__ import annotations

from typing import Any

from tests.client import GraphQLClient
from tests.leaks.conftest import LogIn

ME = "{ viewer { id } }"
EMAILS = """query($f: ContactFilter) { contacts(first: 1, filter: $f) {
  edges { node { id communications { kind value } } } } }"""
CREATE_LEAD = """mutation($email: String!) { createLead(input: {title: "Walk-in",
  communications: [{kind: EMAIL, value: $email}]}) { isRepeat } }"""
DUPLICATES = """query($email: String!) { duplicates(email: $email) { contacts { id } } }"""
WON_DEAL = (
    """query($f: DealFilter) { deals(first: 1, filter: $f) { edges { node { id title } } } }"""
)
STAGES = "{ pipelines { isDefault stages { id semantics } } }"
ASSIGN = """mutation($id: ID!, $to: ID!) { updateDeal(id: $id, input: {assignedToId: $to}) {
  id } }"""
NOTIFICATIONS = "{ notifications(first: 5) { edges { node { kind text } } } }"


async def _me(user: GraphQLClient) -> str:
    user_id: str = (await user.data(ME))["viewer"]["id"]
    return user_id


async def _contact_email(user: GraphQLClient, **filter: Any) -> str:
    """An e-mail of a contact matching the filter (with an e-mail, among the first)."""
    page = await user.data(EMAILS.replace("first: 1", "first: 50"), {"f": filter})
    for edge in page["contacts"]["edges"]:
        for item in edge["node"]["communications"]:
            if item["kind"] == "EMAIL":
                value: str = item["value"]
                return value
    raise AssertionError("no contact with an e-mail")


async def test_is_repeat_counts_only_contacts_the_creator_may_read(demo: LogIn) -> None:
    admin = await demo("admin@example.com")
    maria = await demo("maria.ivanova@example.com")
    olga = await demo("olga.popova@example.com")
    hidden = await _contact_email(admin, assignedToId={"eq": await _me(olga)}, opened=False)
    readable = await _contact_email(maria, assignedToId={"eq": await _me(maria)})
    assert (await maria.data(DUPLICATES, {"email": hidden}))["duplicates"]["contacts"] == []

    assert (await maria.data(CREATE_LEAD, {"email": hidden}))["createLead"]["isRepeat"] is False
    assert (await maria.data(CREATE_LEAD, {"email": readable}))["createLead"]["isRepeat"] is True
    assert (await admin.data(CREATE_LEAD, {"email": hidden}))["createLead"]["isRepeat"] is True


async def test_an_assignment_does_not_name_a_deal_its_assignee_may_not_read(
    demo: LogIn,
) -> None:
    admin = await demo("admin@example.com")
    intern = await demo("nikita.novikov@example.com")
    pipeline = next(p for p in (await admin.data(STAGES))["pipelines"] if p["isDefault"])
    won = next(stage["id"] for stage in pipeline["stages"] if stage["semantics"] == "SUCCESS")
    (edge,) = (await admin.data(WON_DEAL, {"f": {"stageId": {"eq": won}}}))["deals"]["edges"]
    deal = edge["node"]

    await admin.data(ASSIGN, {"id": deal["id"], "to": await _me(intern)})

    texts = [
        edge["node"]["text"]
        for edge in (await intern.data(NOTIFICATIONS))["notifications"]["edges"]
        if edge["node"]["kind"] == "DEAL_ASSIGNED"
    ]
    assert texts == ["Alexei Orlov assigned a deal to you"]
    assert all(deal["title"] not in text for text in texts)
