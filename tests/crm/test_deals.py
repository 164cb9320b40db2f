from __future__ import annotations

from tests.client import GraphQLClient
from tests.crm.api import CREATE_COMPANY, CREATE_CONTACT, CREATE_DEAL, create, default_pipeline

UPDATE_DEAL = """
mutation($id: ID!, $input: DealPatch!) {
  updateDeal(id: $id, input: $input) {
    id title amount probability contacts { name } company { title }
  }
}"""


async def test_create_a_deal_in_the_default_pipeline_first_stage(member: GraphQLClient) -> None:
    pipeline = await default_pipeline(member)
    company = await create(member, CREATE_COMPANY, title="Acme")
    contact = await create(member, CREATE_CONTACT, firstName="Ann", lastName="Lee")
    deal = await create(
        member,
        CREATE_DEAL,
        title="Acme: 10 licences",
        amount="1250.50",
        currency="eur",
        companyId=company["id"],
        contactIds=[contact["id"]],
    )
    assert deal["amount"] == "1250.50"
    assert deal["currency"] == "EUR"
    assert deal["pipeline"]["id"] == pipeline["id"]
    assert deal["stage"]["id"] == pipeline["stages"][0]["id"]
    assert deal["semantics"] == "PROCESS"
    assert deal["closedAt"] is None
    assert deal["company"] == {"id": company["id"], "title": "Acme"}
    assert deal["contacts"] == [{"id": contact["id"], "name": "Ann Lee"}]

    node = await member.data(
        "query($id: ID!) { node(id: $id) { ... on Deal { title } } }", {"id": deal["id"]}
    )
    assert node["node"] == {"title": "Acme: 10 licences"}


async def test_update_a_deal_records_the_changes(member: GraphQLClient) -> None:
    deal = await create(member, CREATE_DEAL, title="Old", amount="10")
    contact = await create(member, CREATE_CONTACT, lastName="Kim")
    data = await member.data(
        UPDATE_DEAL,
        {
            "id": deal["id"],
            "input": {
                "title": "New",
                "amount": "20.00",
                "contactIds": [contact["id"]],
                "probability": 40,
            },
        },
    )
    assert data["updateDeal"] == {
        "id": deal["id"],
        "title": "New",
        "amount": "20.00",
        "probability": 40,
        "contacts": [{"name": "Kim"}],
        "company": None,
    }
    timeline = await member.data(
        """query($id: ID!) { node(id: $id) { ... on Deal {
             timeline { edges { node { kind field oldValue newValue author { name } } } } } } }""",
        {"id": deal["id"]},
    )
    changes = {
        entry["node"]["field"]: (entry["node"]["oldValue"], entry["node"]["newValue"])
        for entry in timeline["node"]["timeline"]["edges"]
    }
    assert changes["title"] == ("Old", "New")
    assert changes["amount"] == ("10.00", "20.00")
    assert changes["probability"] == (None, "40")


async def test_delete_a_deal(member: GraphQLClient) -> None:
    deal = await create(member, CREATE_DEAL, title="Gone")
    data = await member.data("mutation($id: ID!) { deleteDeal(id: $id) }", {"id": deal["id"]})
    assert data["deleteDeal"] == deal["id"]
    response = await member.request("query($id: ID!) { node(id: $id) { id } }", {"id": deal["id"]})
    assert response.is_null()


async def test_lost_then_reopened_deal(member: GraphQLClient) -> None:
    stages = (await default_pipeline(member))["stages"]
    lost = next(s for s in stages if s["semantics"] == "FAILURE")
    deal = await create(member, CREATE_DEAL, title="Wobbly", stageId=lost["id"])
    assert (deal["semantics"], deal["closedAt"] is not None) == ("FAILURE", True)

    move = "mutation($id: ID!, $s: ID!) { moveDeal(id: $id, stageId: $s) { semantics closedAt } }"
    reopened = (await member.data(move, {"id": deal["id"], "s": stages[1]["id"]}))["moveDeal"]
    assert reopened == {"semantics": "PROCESS", "closedAt": None}
    again = (await member.data(move, {"id": deal["id"], "s": stages[1]["id"]}))["moveDeal"]
    assert again == reopened
    history = await member.data(
        "query($id: ID!) { node(id: $id) { ... on Deal { stageHistory { to { name } } } } }",
        {"id": deal["id"]},
    )
    assert [m["to"]["name"] for m in history["node"]["stageHistory"]] == ["Lost", "Preparation"]
