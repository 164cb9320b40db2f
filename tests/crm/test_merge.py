"""mergeContacts / mergeCompanies / mergeLeads through the public API: every kind of link
moves to the survivor, field choices hold, refused merges change nothing, the merge shows
as one feed event and one timeline entry to those who may read the survivor, and its cost
does not grow with the number of links."""

from __future__ import annotations

from collections import Counter
from typing import Any

from sqlalchemy import select
from starlette.applications import Starlette

from models import AccessAction, AccessLevel, Event, FieldRuleKind, SessionFactory
from models.crm import CrmEntity
from tests.client import GraphQLClient
from tests.conftest import logged_in
from tests.crm.api import CREATE_COMPANY, CREATE_CONTACT, create, default_pipeline
from tests.factories import Seed, every_action, grant_role
from tests.statements import count_statements

MERGE_CONTACTS = """
mutation($s: ID!, $m: [ID!]!, $f: [FieldChoice!]) {
  mergeContacts(survivorId: $s, mergedIds: $m, fields: $f) { id firstName lastName position }
}"""
MERGE_COMPANIES = """
mutation($s: ID!, $m: [ID!]!, $f: [FieldChoice!]) {
  mergeCompanies(survivorId: $s, mergedIds: $m, fields: $f) {
    id title industry employees customField(code: "UF_TIER") { values { string } }
  }
}"""
MERGE_LEADS = """
mutation($s: ID!, $m: [ID!]!, $f: [FieldChoice!]) {
  mergeLeads(survivorId: $s, mergedIds: $m, fields: $f) {
    id title status { name } isRepeat communications { value }
  }
}"""

CONTACT_STATE = """
query($id: ID!) {
  node(id: $id) {
    ... on Contact {
      id firstName lastName position
      communications { kind value normalized }
      companies { id }
      tasks { id }
      timeline(first: 100) {
        totalCount
        edges { node { kind body field oldValue newValue activity { id } } }
      }
    }
  }
  deals(first: 100, filter: {contactId: {eq: $id}}) { edges { node { id } } }
}"""
CREATE_DEAL = """
mutation($input: DealInput!) { createDeal(input: $input) { id contacts { id } } }"""
CREATE_ACTIVITY = """
mutation($input: ActivityInput!) { addActivity(input: $input) { id } }"""
CREATE_TASK = "mutation($input: TaskInput!) { createTask(input: $input) { id } }"
COMMENT = """
mutation($id: ID!, $body: String!) { addTimelineComment(recordId: $id, body: $body) { id } }"""
CREATE_LEAD = "mutation($input: LeadInput!) { createLead(input: $input) { id } }"
CONVERT = """
mutation($id: ID!, $input: ConvertLeadInput!) {
  convertLead(id: $id, input: $input) { lead { id } }
}"""
FEED = """
query { feed(first: 50) { edges { node { kind subject { ... on Contact { id } } changes } } } }"""


def phone(value: str) -> dict[str, str]:
    return {"kind": "PHONE", "value": value}


def email(value: str) -> dict[str, str]:
    return {"kind": "EMAIL", "value": value}


async def contact(client: GraphQLClient, first: str, last: str, **more: Any) -> str:
    made = await create(client, CREATE_CONTACT, firstName=first, lastName=last, **more)
    return str(made["id"])


async def company(client: GraphQLClient, title: str, **more: Any) -> str:
    return str((await create(client, CREATE_COMPANY, title=title, **more))["id"])


async def state(client: GraphQLClient, contact_id: str) -> dict[str, Any]:
    return await client.data(CONTACT_STATE, {"id": contact_id})


def timeline_kinds(found: dict[str, Any]) -> Counter[str]:
    return Counter(edge["node"]["kind"] for edge in found["node"]["timeline"]["edges"])


def activity_ids(found: dict[str, Any]) -> set[str]:
    edges = found["node"]["timeline"]["edges"]
    return {edge["node"]["activity"]["id"] for edge in edges if edge["node"]["activity"]}


async def linked_contacts(
    client: GraphQLClient, first: str, last: str, companies: list[str], items: list[Any]
) -> str:
    return await contact(client, first, last, companyIds=companies, communications=items)


async def test_merging_contacts_moves_every_link(
    member: GraphQLClient, session_factory: SessionFactory
) -> None:
    a, b = await company(member, "Alpha"), await company(member, "Beta")
    survivor = await linked_contacts(
        member, "Anna", "Smith", [a], [phone("+7 900 111 22 33"), email("anna@example.com")]
    )
    # The same phone written differently, and an e-mail the survivor lacks.
    one = await contact(
        member,
        "Anna",
        "Smyth",
        position="CEO",
        companyIds=[a, b],
        communications=[phone("8 (900) 111-22-33"), email("anna2@example.com")],
    )
    # The other's e-mail, in capitals.
    two = await linked_contacts(member, "Ann", "Smith", [], [email("ANNA2@example.com")])
    pipeline = await default_pipeline(member)
    both = await create(
        member, CREATE_DEAL, title="Both", pipelineId=pipeline["id"], contactIds=[survivor, one]
    )
    only_two = await create(
        member, CREATE_DEAL, title="Two's", pipelineId=pipeline["id"], contactIds=[two]
    )
    activities = [
        (await create(member, CREATE_ACTIVITY, kind="CALL", subject=subject, ownerIds=owners))["id"]
        for subject, owners in (
            ("shared", [survivor, one]),
            ("one's", [one]),
            ("merged ones'", [one, two]),
        )
    ]
    tasks = [
        (await create(member, CREATE_TASK, title=title, crmItemIds=items))["id"]
        for title, items in (("shared task", [survivor, one]), ("two's task", [two]))
    ]
    for record, body in ((survivor, "on the survivor"), (one, "on one"), (two, "on two")):
        await member.data(COMMENT, {"id": record, "body": body})
    lead = await create(member, CREATE_LEAD, title="Anna's lead")
    await member.data(CONVERT, {"id": lead["id"], "input": {"contactId": two}})

    before = {pk: await state(member, pk) for pk in (survivor, one, two)}
    comments = sum(timeline_kinds(found)["COMMENT"] for found in before.values())
    field_changes = sum(timeline_kinds(found)["FIELD_CHANGE"] for found in before.values())

    merged = await member.data(MERGE_CONTACTS, {"s": survivor, "m": [one, two]})
    assert merged["mergeContacts"] == {
        "id": survivor,
        "firstName": "Anna",
        "lastName": "Smith",
        # Empty on the survivor: the first merged record's value.
        "position": "CEO",
    }

    after = await state(member, survivor)
    node = after["node"]
    assert [(item["kind"], item["normalized"]) for item in node["communications"]] == [
        ("PHONE", "79001112233"),
        ("EMAIL", "anna@example.com"),
        ("EMAIL", "anna2@example.com"),
    ]
    assert {item["id"] for item in node["companies"]} == {a, b}
    assert {edge["node"]["id"] for edge in after["deals"]["edges"]} == {both["id"], only_two["id"]}
    deal = await member.data(
        "query($id: ID!) { node(id: $id) { ... on Deal { contacts { id } } } }", {"id": both["id"]}
    )
    assert deal["node"]["contacts"] == [{"id": survivor}]
    assert {task["id"] for task in node["tasks"]} == set(tasks)
    # Each activity once in the survivor's timeline, bound to it alone or with the others.
    assert activity_ids(after) == set(activities)
    kinds = timeline_kinds(after)
    assert kinds["ACTIVITY"] == len(activities)
    assert kinds["COMMENT"] == comments == 3
    assert kinds["MERGED"] == 1
    merge_changes = {"position", "communications", "companyIds"}
    assert kinds["FIELD_CHANGE"] == field_changes + len(merge_changes)
    edges = [edge["node"] for edge in node["timeline"]["edges"]]
    assert {e["field"] for e in edges if e["kind"] == "FIELD_CHANGE"} >= merge_changes
    [entry] = [e for e in edges if e["kind"] == "MERGED"]
    assert entry["body"] == "Anna Smyth; Ann Smith"
    owners = await member.data(
        """query($id: ID!) {
             node(id: $id) { ... on Activity { owners { ... on Contact { id } } } } }""",
        {"id": activities[2]},
    )
    assert owners["node"]["owners"] == [{"id": survivor}]
    converted = await member.data(
        "query($id: ID!) { node(id: $id) { ... on Lead { contact { id } } } }", {"id": lead["id"]}
    )
    assert converted["node"]["contact"] == {"id": survivor}
    for gone in (one, two):
        assert (
            await member.request("query($id: ID!) { node(id: $id) { id } }", {"id": gone})
        ).is_null()
    # The merge is one event of the survivor; each merged record has its deletion event,
    # which the feed query shows no more (its record is gone), live subscribers do.
    feed = [edge["node"] for edge in (await member.data(FEED))["feed"]["edges"]]
    event = feed[0]
    assert event["kind"] == "CONTACT_MERGED"
    assert [e["kind"] for e in feed].count("CONTACT_MERGED") == 1
    async with session_factory() as session:
        last = await session.scalars(select(Event.kind).order_by(Event.seq.desc()).limit(3))
        assert Counter(last) == {"CONTACT_MERGED": 1, "CONTACT_DELETED": 2}
    assert event["subject"] == {"id": survivor}
    assert event["changes"]["mergedIds"] == [[one, two], []]
    assert event["changes"]["mergedNames"] == [["Anna Smyth", "Ann Smith"], None]
    assert event["changes"]["position"] == ["", "CEO"]


CREATE_FIELD = """
mutation($input: CustomFieldDefinitionInput!) { createCustomField(input: $input) { code } }"""
COMPANY_STATE = """
query($id: ID!) {
  node(id: $id) { ... on Company { title contacts { id } deals { id } } }
}"""


async def test_field_choices_and_the_emptiness_rule(
    member: GraphQLClient, client: GraphQLClient, seed: Seed
) -> None:
    admin = await logged_in(client, seed.admin.email)
    await admin.data(
        CREATE_FIELD,
        {"input": {"entity": "COMPANY", "code": "UF_TIER", "name": "Tier", "kind": "STRING"}},
    )
    survivor = await company(member, "Acme", employees=5)
    tier = [{"field": "UF_TIER", "values": [{"string": "Gold"}]}]
    merged = await company(member, "ACME Ltd", industry="Tools", employees=10, customFields=tier)
    person = await contact(member, "Pat", "Lee", companyIds=[merged])
    pipeline = await default_pipeline(member)
    deal = await create(member, CREATE_DEAL, title="D", pipelineId=pipeline["id"], companyId=merged)

    result = await member.data(
        MERGE_COMPANIES, {"s": survivor, "m": [merged], "f": [{"field": "title", "from": merged}]}
    )
    assert result["mergeCompanies"] == {
        "id": survivor,
        "title": "ACME Ltd",  # chosen
        "industry": "Tools",  # empty on the survivor
        "employees": 5,  # the survivor's, not empty
        "customField": {"values": [{"string": "Gold"}]},  # empty on the survivor
    }
    found = await member.data(COMPANY_STATE, {"id": survivor})
    assert found["node"]["contacts"] == [{"id": person}]
    assert found["node"]["deals"] == [{"id": deal["id"]}]

    # A choice of the survivor's own value keeps it, against the emptiness rule too.
    other = await company(member, "Other", industry="Mining", employees=7)
    kept = await member.data(
        MERGE_COMPANIES,
        {"s": survivor, "m": [other], "f": [{"field": "employees", "from": survivor}]},
    )
    assert kept["mergeCompanies"]["employees"] == 5
    assert kept["mergeCompanies"]["industry"] == "Tools"


async def test_bad_merges_name_their_field(member: GraphQLClient) -> None:
    survivor, other = await company(member, "S"), await company(member, "M")
    person = await contact(member, "Not", "Acompany")
    missing = "Q29tcGFueTo5OTk5OQ"  # Company:99999
    cases: list[tuple[dict[str, Any], str, str]] = [
        ({"m": []}, "BAD_USER_INPUT", "mergedIds"),
        ({"m": [survivor]}, "BAD_USER_INPUT", "mergedIds.0"),
        ({"m": [other, other]}, "BAD_USER_INPUT", "mergedIds.1"),
        ({"m": [person]}, "BAD_USER_INPUT", "mergedIds.0"),
        ({"m": [missing]}, "NOT_FOUND", "mergedIds.0"),
        ({"s": missing, "m": [other]}, "NOT_FOUND", "survivorId"),
        (
            {"m": [other], "f": [{"field": "nope", "from": other}]},
            "BAD_USER_INPUT",
            "fields.0.field",
        ),
        (
            {"m": [other], "f": [{"field": "communications", "from": other}]},
            "BAD_USER_INPUT",
            "fields.0.field",
        ),
        (
            {"m": [other], "f": [{"field": "UF_NONE", "from": other}]},
            "BAD_USER_INPUT",
            "fields.0.field",
        ),
        (
            {"m": [other], "f": [{"field": "title", "from": missing}]},
            "BAD_USER_INPUT",
            "fields.0.from",
        ),
        (
            {
                "m": [other],
                "f": [{"field": "title", "from": other}, {"field": "title", "from": other}],
            },
            "BAD_USER_INPUT",
            "fields.1.field",
        ),
    ]
    for variables, code, field in cases:
        answer = await member.request(MERGE_COMPANIES, {"s": survivor, **variables})
        assert (answer.code, answer.error_field) == (code, field), variables
    titles = await member.data("{ companies(first: 10) { edges { node { title } } } }")
    assert sorted(edge["node"]["title"] for edge in titles["companies"]["edges"]) == ["M", "S"]


ALL_STATE = """
{
  contacts(first: 50) {
    edges { node { id firstName lastName position assignedTo { id } communications { value }
      companies { id } timeline(first: 50) { totalCount } } }
  }
  companies(first: 50) { edges { node { id contacts { id } } } }
  feed(first: 1) { edges { node { id } } }
}"""

OWN = {(CrmEntity.CONTACT, action): AccessLevel.OWN for action in AccessAction} | {
    (CrmEntity.CONTACT, AccessAction.READ): AccessLevel.ALL,
    (CrmEntity.COMPANY, AccessAction.READ): AccessLevel.ALL,
}


async def test_refused_merges_change_nothing(
    client: GraphQLClient, seed: Seed, session_factory: SessionFactory
) -> None:
    """The member may update and delete their own contacts and read everyone's; the head's
    contacts are someone else's, one of them not readable by the member at all."""
    await grant_role(
        session_factory,
        "Own contacts",
        OWN,
        user=seed.member,
        field_rules={(CrmEntity.CONTACT, "position"): FieldRuleKind.HIDDEN},
    )
    await grant_role(session_factory, "Head", every_action(AccessLevel.ALL), user=seed.head)
    member = await logged_in(client, seed.member.email)
    head = await logged_in(client, seed.head.email)
    admin = await logged_in(client, seed.admin.email)
    shared = await company(head, "Shared")
    mine = await contact(member, "Mia", "Own", communications=[phone("+1 555 0100")])
    also_mine = await contact(
        member, "Mia", "Too", companyIds=[shared], communications=[phone("+1 555 0199")]
    )
    await member.data(COMMENT, {"id": also_mine, "body": "keep me"})
    heads = await contact(head, "Hugo", "Theirs", position="Boss", companyIds=[shared])
    snapshot = await admin.data(ALL_STATE)

    cases: list[tuple[dict[str, Any], str, str]] = [
        # DELETE refused on a merged record: FORBIDDEN naming it.
        ({"s": mine, "m": [also_mine, heads]}, "FORBIDDEN", "mergedIds.1"),
        # UPDATE refused on the survivor.
        ({"s": heads, "m": [mine]}, "FORBIDDEN", "survivorId"),
        # A field hidden from the member, chosen.
        (
            {"s": mine, "m": [also_mine], "f": [{"field": "position", "from": also_mine}]},
            "FORBIDDEN",
            "fields.0.from",
        ),
        # A value from a record that is not in the merge.
        (
            {"s": mine, "m": [also_mine], "f": [{"field": "assignedToId", "from": heads}]},
            "BAD_USER_INPUT",
            "fields.0.from",
        ),
    ]
    for variables, code, field in cases:
        answer = await member.request(MERGE_CONTACTS, variables)
        assert (answer.code, answer.error_field) == (code, field), (variables, answer.errors)
        assert await admin.data(ALL_STATE) == snapshot

    # Allowed up to the end, where the survivor would become the head's (the merged record's
    # responsible user), which the member may not make it: refused after the links moved,
    # all of it rolled back.
    await grant_role(
        session_factory,
        "Delete any contact",
        {(CrmEntity.CONTACT, AccessAction.DELETE): AccessLevel.ALL},
        user=seed.member,
    )
    member = await logged_in(client, seed.member.email)
    snapshot = await admin.data(ALL_STATE)
    answer = await member.request(
        MERGE_CONTACTS,
        {"s": mine, "m": [also_mine, heads], "f": [{"field": "assignedToId", "from": heads}]},
    )
    assert answer.code == "FORBIDDEN", answer.errors
    assert "what the change would make it" in answer.errors[0]["message"]
    assert await admin.data(ALL_STATE) == snapshot


async def test_an_unreadable_merged_record_is_not_found(
    client: GraphQLClient, seed: Seed, session_factory: SessionFactory
) -> None:
    await grant_role(
        session_factory,
        "Own only",
        {(CrmEntity.CONTACT, action): AccessLevel.OWN for action in AccessAction},
        user=seed.member,
    )
    await grant_role(session_factory, "Head", every_action(AccessLevel.ALL), user=seed.head)
    member = await logged_in(client, seed.member.email)
    head = await logged_in(client, seed.head.email)
    mine = await contact(member, "Mia", "Own")
    hidden = await contact(head, "Hugo", "Hidden", opened=False)
    answer = await member.request(MERGE_CONTACTS, {"s": mine, "m": [hidden]})
    assert (answer.code, answer.error_field) == ("NOT_FOUND", "mergedIds.0")
    assert "Hugo" not in str(answer.errors)
    deleted = await member.request("mutation($id: ID!) { deleteContact(id: $id) }", {"id": hidden})
    assert deleted.code == "NOT_FOUND"  # as any other command answers
    assert (await head.request("query($id: ID!) { node(id: $id) { id } }", {"id": hidden})).data


SURVIVOR_TIMELINE = """
query($id: ID!) {
  node(id: $id) { ... on Contact { timeline(first: 20) { edges { node { kind body } } } } }
}"""


async def test_the_merge_shows_to_those_who_may_read_the_survivor(
    client: GraphQLClient, seed: Seed, session_factory: SessionFactory
) -> None:
    await grant_role(session_factory, "All", every_action(AccessLevel.ALL), user=seed.member)
    await grant_role(
        session_factory,
        "Own",
        {(CrmEntity.CONTACT, action): AccessLevel.OWN for action in AccessAction},
        user=seed.head,
    )
    member = await logged_in(client, seed.member.email)
    head = await logged_in(client, seed.head.email)
    survivor = await contact(member, "Zoe", "Kept", opened=False)
    merged = await contact(member, "Zoe", "Gone", opened=False)
    await member.data(MERGE_CONTACTS, {"s": survivor, "m": [merged]})

    kinds = [edge["node"]["kind"] for edge in (await member.data(FEED))["feed"]["edges"]]
    assert "CONTACT_MERGED" in kinds
    timeline = await member.data(SURVIVOR_TIMELINE, {"id": survivor})
    entries = [edge["node"] for edge in timeline["node"]["timeline"]["edges"]]
    assert {"kind": "MERGED", "body": "Zoe Gone"} in entries

    # The head may read only their own contacts: neither the survivor nor its merge.
    assert (await head.request(SURVIVOR_TIMELINE, {"id": survivor})).is_null()
    head_kinds = [edge["node"]["kind"] for edge in (await head.data(FEED))["feed"]["edges"]]
    assert "CONTACT_MERGED" not in head_kinds


async def test_a_hidden_name_is_not_told_by_the_merge(
    client: GraphQLClient, seed: Seed, session_factory: SessionFactory
) -> None:
    await grant_role(session_factory, "All", every_action(AccessLevel.ALL), user=seed.member)
    await grant_role(
        session_factory,
        "Reader without last names",
        {(CrmEntity.CONTACT, AccessAction.READ): AccessLevel.ALL},
        user=seed.head,
        field_rules={(CrmEntity.CONTACT, "lastName"): FieldRuleKind.HIDDEN},
    )
    member = await logged_in(client, seed.member.email)
    head = await logged_in(client, seed.head.email)
    survivor = await contact(member, "Zoe", "Kept")
    merged = await contact(member, "Zoe", "Secret")
    await member.data(MERGE_CONTACTS, {"s": survivor, "m": [merged]})
    timeline = await head.data(SURVIVOR_TIMELINE, {"id": survivor})
    entries = [edge["node"] for edge in timeline["node"]["timeline"]["edges"]]
    assert {"kind": "MERGED", "body": ""} in entries
    feed = [edge["node"] for edge in (await head.data(FEED))["feed"]["edges"]]
    [event] = [event for event in feed if event["kind"] == "CONTACT_MERGED"]
    assert "mergedNames" not in event["changes"]
    assert "Secret" not in str(feed)


async def test_merge_statements_do_not_grow_with_links(
    member: GraphQLClient, app: Starlette
) -> None:
    pipeline = await default_pipeline(member)

    async def merge_with_links(n: int) -> int:
        companies = [await company(member, f"C{n}-{i}") for i in range(n)]
        survivor = await contact(member, f"S{n}", "Survivor")
        merged = await contact(
            member,
            f"M{n}",
            "Merged",
            companyIds=companies,
            communications=[phone(f"+1 555 {n}{i:03}") for i in range(n)],
        )
        for i in range(n):
            await create(
                member, CREATE_DEAL, title=f"D{i}", pipelineId=pipeline["id"], contactIds=[merged]
            )
            await create(member, CREATE_ACTIVITY, kind="NOTE", subject=f"A{i}", ownerIds=[merged])
            await create(member, CREATE_TASK, title=f"T{i}", crmItemIds=[merged])
            await member.data(COMMENT, {"id": merged, "body": f"c{i}"})
        with count_statements(app.state.engine) as log:
            await member.data(MERGE_CONTACTS, {"s": survivor, "m": [merged]})
        after = await state(member, survivor)
        assert len(after["node"]["communications"]) == n
        assert len(after["deals"]["edges"]) == n
        assert len(after["node"]["tasks"]) == n
        return log.count

    assert await merge_with_links(1) == await merge_with_links(6)


LEAD_STATE = """
query($id: ID!) { node(id: $id) { ... on Lead { title status { name } contact { id } } } }"""


async def test_merging_leads_moves_what_was_converted_from_them(member: GraphQLClient) -> None:
    statuses = (await member.data("{ leadStatuses { id name semantics } }"))["leadStatuses"]
    working = [status for status in statuses if status["semantics"] == "PROCESS"]
    survivor = await create(member, CREATE_LEAD, title="Kept lead", statusId=working[0]["id"])
    merged = await create(
        member,
        CREATE_LEAD,
        title="Gone lead",
        statusId=working[1]["id"],
        communications=[phone("+44 20 7946 0000")],
    )
    made = await member.data(
        """mutation($id: ID!) { convertLead(id: $id, input: {createContact: true}) {
             contact { id } } }""",
        {"id": merged["id"]},
    )
    new_contact = made["convertLead"]["contact"]["id"]
    # The merged lead is converted: its status (a success) reaches a lead only by a
    # conversion, which the update path's status hook refuses here too.
    answer = await member.request(
        MERGE_LEADS,
        {
            "s": survivor["id"],
            "m": [merged["id"]],
            "f": [{"field": "statusId", "from": merged["id"]}],
        },
    )
    assert answer.code == "BAD_USER_INPUT", answer.errors
    result = await member.data(MERGE_LEADS, {"s": survivor["id"], "m": [merged["id"]]})
    assert result["mergeLeads"] == {
        "id": survivor["id"],
        "title": "Kept lead",
        "status": {"name": working[0]["name"]},
        # The phone it took in is the contact's made from the merged lead.
        "isRepeat": True,
        "communications": [{"value": "+44 20 7946 0000"}],
    }
    source = await member.data(
        "query($id: ID!) { node(id: $id) { ... on Contact { sourceLead { id } } } }",
        {"id": new_contact},
    )
    assert source["node"]["sourceLead"] == {"id": survivor["id"]}
