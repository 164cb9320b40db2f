"""Plain lists of objects hold at most 100 items, and the schema says so."""

from __future__ import annotations

from sqlalchemy import update

from models import SessionFactory
from models.crm import Deal
from tests.client import GraphQLClient
from tests.crm.api import CREATE_COMPANY
from tests.crm.factories import many_deals

COMPANY_DEALS = "query($id: ID!) { node(id: $id) { ... on Company { deals { id } } } }"


async def test_a_company_with_more_deals_lists_the_first_hundred(
    admin: GraphQLClient, session_factory: SessionFactory
) -> None:
    company = (await admin.data(CREATE_COMPANY, {"input": {"title": "Big"}}))["createCompany"]
    await many_deals(session_factory, 130)
    pk = int(__import__("base64").urlsafe_b64decode(company["id"] + "==").split(b":")[1])
    async with session_factory() as session:
        await session.execute(update(Deal).values(company_id=pk))
        await session.commit()
    data = await admin.data(COMPANY_DEALS, {"id": company["id"]})
    assert len(data["node"]["deals"]) == 100


async def test_the_bound_is_in_the_schema(client: GraphQLClient) -> None:
    data = await client.data('{ __type(name: "Department") { fields { name description } } }')
    fields = {field["name"]: field["description"] for field in data["__type"]["fields"]}
    assert "At most 100 items." in fields["members"]
    assert "At most 100 items." in fields["children"]
