"""Leads, contacts and companies: create, read, update (recorded), delete."""

from __future__ import annotations

from tests.client import GraphQLClient
from tests.crm.api import CREATE_COMPANY, CREATE_CONTACT, CREATE_LEAD, create

NODE_TIMELINE = """query($id: ID!) { node(id: $id) { ... on Lead { timeline { edges { node {
  field oldValue newValue } } } } ... on Contact { timeline { edges { node {
  field oldValue newValue } } } } ... on Company { timeline { edges { node {
  field oldValue newValue } } } } } }"""


async def _changes(client: GraphQLClient, record_id: str) -> dict[str, tuple[str, str]]:
    data = await client.data(NODE_TIMELINE, {"id": record_id})
    return {
        edge["node"]["field"]: (edge["node"]["oldValue"], edge["node"]["newValue"])
        for edge in data["node"]["timeline"]["edges"]
    }


async def test_lead_fields_defaults_and_update(member: GraphQLClient, admin: GraphQLClient) -> None:
    sources = (await member.data("{ leadSources { id name } }"))["leadSources"]
    lead = (
        await member.data(
            """mutation($input: LeadInput!) { createLead(input: $input) {
                 id title status { name } source { name } utmSource utmCampaign opened
                 assignedTo { name } createdBy { name } } }""",
            {
                "input": {
                    "firstName": "Ivan",
                    "lastName": "Petrov",
                    "sourceId": sources[2]["id"],
                    "utmSource": "google",
                    "utmCampaign": "spring",
                    "opened": False,
                }
            },
        )
    )["createLead"]
    assert lead["title"] == "Ivan Petrov"  # from the name when no title is given
    assert lead["status"] == {"name": "New"}
    assert lead["source"] == {"name": "Web site"}
    assert (lead["utmSource"], lead["utmCampaign"], lead["opened"]) == ("google", "spring", False)
    assert lead["assignedTo"] == lead["createdBy"] == {"name": "Mia Member"}

    statuses = (await member.data("{ leadStatuses { id name } }"))["leadStatuses"]
    admin_id = (await admin.data("{ viewer { id } }"))["viewer"]["id"]
    updated = (
        await member.data(
            """mutation($id: ID!, $input: LeadPatch!) { updateLead(id: $id, input: $input) {
                 title status { name } source { name } assignedTo { name }
                 communications { value } } }""",
            {
                "id": lead["id"],
                "input": {
                    "title": "Ivan from Google",
                    "statusId": statuses[1]["id"],
                    "sourceId": None,
                    "assignedToId": admin_id,
                    "communications": [{"kind": "WEB", "value": "ivan.dev"}],
                },
            },
        )
    )["updateLead"]
    assert updated == {
        "title": "Ivan from Google",
        "status": {"name": "In process"},
        "source": None,
        "assignedTo": {"name": "Ada Admin"},
        "communications": [{"value": "ivan.dev"}],
    }
    changes = await _changes(member, lead["id"])
    assert changes["title"] == ("Ivan Petrov", "Ivan from Google")
    assert changes["communications"] == ("", "WEB WORK ivan.dev")
    assert set(changes) == {"title", "statusId", "sourceId", "assignedToId", "communications"}

    success = await member.request(
        "mutation($id: ID!, $input: LeadPatch!) { updateLead(id: $id, input: $input) { id } }",
        {"id": lead["id"], "input": {"statusId": statuses[3]["id"]}},
    )
    assert (success.code, success.error_field) == ("BAD_USER_INPUT", "statusId")

    deleted = await member.data("mutation($id: ID!) { deleteLead(id: $id) }", {"id": lead["id"]})
    assert deleted["deleteLead"] == lead["id"]
    assert (await member.data("{ leads { totalCount } }"))["leads"]["totalCount"] == 0


async def test_contacts_and_companies_link_both_ways(member: GraphQLClient) -> None:
    acme = await create(
        member, CREATE_COMPANY, title="Acme", industry="IT", revenue="1000000", employees=50
    )
    ann = await create(
        member, CREATE_CONTACT, firstName="Ann", lastName="Lee", companyIds=[acme["id"]]
    )
    bob = await create(member, CREATE_CONTACT, firstName="Bob")
    globex = await create(member, CREATE_COMPANY, title="Globex", contactIds=[bob["id"], ann["id"]])

    contacts = (
        await member.data(
            """query { contacts(orderBy: [{field: FIRST_NAME}]) { edges { node {
                 name companies { title } } } } }"""
        )
    )["contacts"]["edges"]
    assert [
        (e["node"]["name"], [c["title"] for c in e["node"]["companies"]]) for e in contacts
    ] == [
        ("Ann Lee", ["Acme", "Globex"]),
        ("Bob", ["Globex"]),
    ]

    updated = (
        await member.data(
            """mutation($id: ID!, $input: CompanyPatch!) { updateCompany(id: $id, input: $input) {
                 title revenue employees contacts { name } } }""",
            {
                "id": globex["id"],
                "input": {"contactIds": [bob["id"]], "revenue": None, "employees": 7},
            },
        )
    )["updateCompany"]
    assert updated == {
        "title": "Globex",
        "revenue": None,
        "employees": 7,
        "contacts": [{"name": "Bob"}],
    }
    assert (await _changes(member, globex["id"]))["contactIds"][1] == bob["id"]

    renamed = (
        await member.data(
            """mutation($id: ID!, $input: ContactPatch!) { updateContact(id: $id, input: $input) {
                 name position } }""",
            {"id": ann["id"], "input": {"lastName": "Smith", "position": "CTO"}},
        )
    )["updateContact"]
    assert renamed == {"name": "Ann Smith", "position": "CTO"}
    assert (await _changes(member, ann["id"]))["lastName"] == ("Lee", "Smith")

    await member.data("mutation($id: ID!) { deleteCompany(id: $id) }", {"id": acme["id"]})
    ann_now = await member.data(
        "query($id: ID!) { node(id: $id) { ... on Contact { companies { title } } } }",
        {"id": ann["id"]},
    )
    assert ann_now["node"]["companies"] == []
    await member.data("mutation($id: ID!) { deleteContact(id: $id) }", {"id": ann["id"]})
    gone = await member.request("query($id: ID!) { node(id: $id) { id } }", {"id": ann["id"]})
    assert gone.is_null()


async def test_repeat_customer_flag_and_duplicates(member: GraphQLClient) -> None:
    await create(
        member,
        CREATE_CONTACT,
        lastName="Known",
        communications=[{"kind": "PHONE", "value": "+7 (916) 555-00-11"}],
    )
    await create(
        member,
        CREATE_COMPANY,
        title="Known Co",
        communications=[{"kind": "EMAIL", "value": "Sales@Known.co"}],
    )
    by_phone = await create(
        member,
        CREATE_LEAD,
        title="Calls again",
        communications=[{"kind": "PHONE", "value": "89165550011"}],
    )
    by_email = await create(
        member,
        CREATE_LEAD,
        title="Writes again",
        communications=[{"kind": "EMAIL", "value": "sales@known.CO"}],
    )
    stranger = await create(
        member,
        CREATE_LEAD,
        title="New here",
        communications=[{"kind": "PHONE", "value": "+1 212 555 0100"}],
    )
    assert (by_phone["isRepeat"], by_email["isRepeat"], stranger["isRepeat"]) == (True, True, False)

    found = (
        await member.data(
            """query($p: String, $e: String) { duplicates(phone: $p, email: $e) {
                 leads { title } contacts { name } companies { title } } }""",
            {"p": "8 916 555 00 11"},
        )
    )["duplicates"]
    assert found == {
        "leads": [{"title": "Calls again"}],
        "contacts": [{"name": "Known"}],
        "companies": [],
    }
    both = (
        await member.data(
            """query($p: String, $e: String) { duplicates(phone: $p, email: $e) {
                 leads { title } contacts { name } companies { title } } }""",
            {"p": "+79165550011", "e": "SALES@known.co"},
        )
    )["duplicates"]
    assert [lead["title"] for lead in both["leads"]] == ["Calls again", "Writes again"]
    assert both["companies"] == [{"title": "Known Co"}]
    bad = await member.request('{ duplicates(email: "nope") { leads { id } } }')
    assert (bad.code, bad.error_field) == ("BAD_USER_INPUT", "email")


async def test_crm_needs_a_login(client: GraphQLClient) -> None:
    for query in (
        "{ deals { totalCount } }",
        "{ pipelines { name } }",
        'mutation { createLead(input: {title: "x"}) { id } }',
    ):
        assert (await client.request(query)).code == "UNAUTHENTICATED"
