"""Plain lists of objects hold at most 100 items, and the schema says so; an operation
meets at most 10,000 list items."""

from __future__ import annotations

import base64

from sqlalchemy import update

from models import SessionFactory
from models.crm import Deal
from tests.client import GraphQLClient
from tests.crm.api import CREATE_COMPANY
from tests.crm.factories import many_deals

COMPANY_DEALS = "query($id: ID!) { node(id: $id) { ... on Company { deals { id } } } }"


async def _company_with_deals(
    admin: GraphQLClient, session_factory: SessionFactory, deals: int
) -> str:
    company = (await admin.data(CREATE_COMPANY, {"input": {"title": "Big"}}))["createCompany"]
    await many_deals(session_factory, deals)
    pk = int(base64.urlsafe_b64decode(company["id"] + "==").split(b":")[1])
    async with session_factory() as session:
        await session.execute(update(Deal).values(company_id=pk))
        await session.commit()
    return str(company["id"])


async def test_a_company_with_more_deals_lists_the_first_hundred(
    admin: GraphQLClient, session_factory: SessionFactory
) -> None:
    company_id = await _company_with_deals(admin, session_factory, 130)
    data = await admin.data(COMPANY_DEALS, {"id": company_id})
    assert len(data["node"]["deals"]) == 100


async def test_an_operation_meeting_too_many_list_items_stops(
    admin: GraphQLClient, session_factory: SessionFactory
) -> None:
    # Cheap to the estimate (a plain list weighs 10), but each of the 100 deals lists the
    # company's 100 deals: 100 + 100 x 100 items.
    await _company_with_deals(admin, session_factory, 100)
    query = "{ deals(first: 100) { edges { node { company { deals { id } } } } } }"
    response = await admin.request(query)
    assert response.code == "QUERY_TOO_COMPLEX"
    assert response.errors[0]["extensions"]["limit"] == 10_000
    assert response.errors[0]["extensions"]["listItems"] > 10_000
    assert response.data is None
    # Half the page stays within the limit.
    half = await admin.data(query.replace("100", "50"))
    assert len(half["deals"]["edges"]) == 50


async def test_the_bound_is_in_the_schema(client: GraphQLClient) -> None:
    data = await client.data('{ __type(name: "Department") { fields { name description } } }')
    fields = {field["name"]: field["description"] for field in data["__type"]["fields"]}
    assert "At most 100 items." in fields["members"]
    assert "At most 100 items." in fields["children"]
