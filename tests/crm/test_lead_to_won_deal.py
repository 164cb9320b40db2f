"""The whole sales path through GraphQL only: lead → call → conversion → deal won."""

from __future__ import annotations

from tests.client import GraphQLClient
from tests.crm.api import CREATE_LEAD, create, default_pipeline

ADD_ACTIVITY = """
mutation($input: ActivityInput!) {
  addActivity(input: $input) {
    id kind subject direction completed assignedTo { name }
    owners { __typename ... on Lead { id } }
  }
}"""

CONVERT = """
mutation($id: ID!, $input: ConvertLeadInput!) {
  convertLead(id: $id, input: $input) {
    lead { id convertedAt status { semantics } contact { id } company { id } deal { id } }
    contact { id firstName lastName companies { id } sourceLead { id }
              communications { kind value normalized } }
    company { id title sourceLead { id } }
    deal { id title stage { name } company { id } contacts { id } sourceLead { id } }
  }
}"""

MOVE = """
mutation($id: ID!, $stage: ID!) {
  moveDeal(id: $id, stageId: $stage) { id stage { id name } semantics closedAt }
}"""

HISTORY = """
query($id: ID!) { node(id: $id) { ... on Deal {
  closedAt
  stageHistory { from { name } to { name } movedBy { name } movedAt }
  timeline(first: 50) { totalCount edges { node { kind field oldValue newValue author { name } } } }
} } }"""

LEAD_TIMELINE = """
query($id: ID!) { node(id: $id) { ... on Lead {
  timeline { edges { node { kind field newValue activity { subject kind } author { name } } } }
} } }"""


async def test_a_lead_becomes_a_won_deal(member: GraphQLClient) -> None:
    lead = await create(
        member,
        CREATE_LEAD,
        title="Website enquiry",
        firstName="Olga",
        lastName="Smirnova",
        companyTitle="Romashka LLC",
        communications=[
            {"kind": "PHONE", "value": "8 (495) 123-45-67"},
            {"kind": "EMAIL", "value": "Olga@Romashka.RU", "valueType": "HOME"},
        ],
    )
    assert lead["status"] == {"name": "New", "semantics": "PROCESS"}
    assert lead["isRepeat"] is False
    assert lead["communications"] == [
        {
            "kind": "PHONE",
            "value": "8 (495) 123-45-67",
            "valueType": "WORK",
            "normalized": "74951234567",
        },
        {
            "kind": "EMAIL",
            "value": "olga@romashka.ru",
            "valueType": "HOME",
            "normalized": "olga@romashka.ru",
        },
    ]

    call = (
        await member.data(
            ADD_ACTIVITY,
            {
                "input": {
                    "kind": "CALL",
                    "subject": "First call",
                    "direction": "OUTGOING",
                    "ownerIds": [lead["id"]],
                    "completed": True,
                }
            },
        )
    )["addActivity"]
    assert call["owners"] == [{"__typename": "Lead", "id": lead["id"]}]
    assert call["assignedTo"] == {"name": "Mia Member"}

    converted = (
        await member.data(
            CONVERT,
            {
                "id": lead["id"],
                "input": {"createContact": True, "createCompany": True, "createDeal": True},
            },
        )
    )["convertLead"]
    contact, company, deal = converted["contact"], converted["company"], converted["deal"]
    assert converted["lead"]["status"] == {"semantics": "SUCCESS"}
    assert converted["lead"]["convertedAt"] is not None
    assert converted["lead"]["contact"] == {"id": contact["id"]}
    assert converted["lead"]["company"] == {"id": company["id"]}
    assert converted["lead"]["deal"] == {"id": deal["id"]}
    assert (contact["firstName"], contact["lastName"]) == ("Olga", "Smirnova")
    assert contact["companies"] == [{"id": company["id"]}]
    assert contact["sourceLead"] == {"id": lead["id"]}
    assert [c["normalized"] for c in contact["communications"]] == [
        "74951234567",
        "olga@romashka.ru",
    ]
    assert company["title"] == "Romashka LLC"
    assert company["sourceLead"] == {"id": lead["id"]}
    assert deal["title"] == "Website enquiry"
    assert deal["stage"] == {"name": "New"}
    assert deal["company"] == {"id": company["id"]}
    assert deal["contacts"] == [{"id": contact["id"]}]
    assert deal["sourceLead"] == {"id": lead["id"]}

    lead_timeline = (await member.data(LEAD_TIMELINE, {"id": lead["id"]}))["node"]["timeline"]
    kinds = [edge["node"]["kind"] for edge in lead_timeline["edges"]]
    assert kinds == ["FIELD_CHANGE", "ACTIVITY"]  # newest first: conversion, then the call
    assert lead_timeline["edges"][0]["node"]["field"] == "statusId"
    assert lead_timeline["edges"][1]["node"]["activity"] == {
        "subject": "First call",
        "kind": "CALL",
    }

    pipeline = await default_pipeline(member)
    open_stages = [s for s in pipeline["stages"] if s["semantics"] == "PROCESS"]
    won = next(s for s in pipeline["stages"] if s["semantics"] == "SUCCESS")
    for stage in open_stages[1:]:
        moved = (await member.data(MOVE, {"id": deal["id"], "stage": stage["id"]}))["moveDeal"]
        assert moved["stage"]["id"] == stage["id"]
        assert moved["semantics"] == "PROCESS"
        assert moved["closedAt"] is None
    moved = (await member.data(MOVE, {"id": deal["id"], "stage": won["id"]}))["moveDeal"]
    assert moved["semantics"] == "SUCCESS"
    assert moved["closedAt"] is not None

    history = (await member.data(HISTORY, {"id": deal["id"]}))["node"]
    names = [s["name"] for s in pipeline["stages"]]
    assert [
        (m["from"] and m["from"]["name"], m["to"]["name"]) for m in history["stageHistory"]
    ] == [
        (None, "New"),
        ("New", "Preparation"),
        ("Preparation", "Proposal"),
        ("Proposal", "Negotiation"),
        ("Negotiation", "Won"),
    ]
    assert names[:5] == ["New", "Preparation", "Proposal", "Negotiation", "Won"]
    assert {m["movedBy"]["name"] for m in history["stageHistory"]} == {"Mia Member"}
    stage_changes = [
        (e["node"]["oldValue"], e["node"]["newValue"])
        for e in history["timeline"]["edges"]
        if e["node"]["field"] == "stage"
    ]
    assert stage_changes == [
        ("Negotiation", "Won"),
        ("Proposal", "Negotiation"),
        ("Preparation", "Proposal"),
        ("New", "Preparation"),
    ]
    closed = [e["node"] for e in history["timeline"]["edges"] if e["node"]["field"] == "closedAt"]
    assert len(closed) == 1 and closed[0]["newValue"] is not None


async def test_converting_into_existing_contact_and_company(member: GraphQLClient) -> None:
    from tests.crm.api import CREATE_COMPANY, CREATE_CONTACT

    company = await create(member, CREATE_COMPANY, title="Existing Co")
    contact = await create(member, CREATE_CONTACT, firstName="Known", lastName="Person")
    lead = await create(member, CREATE_LEAD, title="Returning customer")
    converted = (
        await member.data(
            CONVERT,
            {
                "id": lead["id"],
                "input": {
                    "contactId": contact["id"],
                    "companyId": company["id"],
                    "createDeal": True,
                },
            },
        )
    )["convertLead"]
    assert converted["contact"]["id"] == contact["id"]
    assert converted["contact"]["sourceLead"] is None  # linked, not made from the lead
    assert converted["contact"]["companies"] == [{"id": company["id"]}]  # now linked
    assert converted["deal"]["company"] == {"id": company["id"]}
    assert converted["deal"]["contacts"] == [{"id": contact["id"]}]
    assert converted["lead"]["contact"] == {"id": contact["id"]}

    nothing = await member.request(
        CONVERT, {"id": (await create(member, CREATE_LEAD, title="Idle"))["id"], "input": {}}
    )
    assert (nothing.code, nothing.error_field) == ("BAD_USER_INPUT", "input")
