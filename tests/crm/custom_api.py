"""GraphQL documents and helpers shared by the custom field tests."""

from __future__ import annotations

from typing import Any

from tests.client import GraphQLClient

CREATE_FIELD = """
mutation($input: CustomFieldDefinitionInput!) {
  createCustomField(input: $input) { id code name kind required multiple sort options }
}"""
CREATE_DEAL = """
mutation($input: DealInput!) {
  createDeal(input: $input) {
    id customFields { field name kind values { string integer decimal currency boolean date
                                               datetime userId } }
  }
}"""
UPDATE_DEAL = """
mutation($id: ID!, $input: DealPatch!) {
  updateDeal(id: $id, input: $input) { id customFields { field values { string } } }
}"""
MOVE_DEAL = "mutation($id: ID!, $stage: ID!) { moveDeal(id: $id, stageId: $stage) { id } }"
DEALS = """
query($filter: DealFilter, $order: [DealOrder!], $first: Int, $after: String) {
  deals(filter: $filter, orderBy: $order, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node { title customFields { field values { string } } } }
  }
}"""


async def create_field(admin: GraphQLClient, **input: Any) -> dict[str, Any]:
    data = await admin.data(CREATE_FIELD, {"input": input})
    field: dict[str, Any] = data["createCustomField"]
    return field


def value(field: str, **members: Any) -> dict[str, Any]:
    """A ``CustomFieldInput`` of one value."""
    return {"field": field, "values": [members]}


def values_of(node: dict[str, Any], code: str) -> list[Any] | None:
    """The ``string`` members of a field in a node's ``customFields``; None when absent."""
    for item in node["customFields"]:
        if item["field"] == code:
            return [entry["string"] for entry in item["values"]]
    return None


async def titles(
    client: GraphQLClient,
    filter: dict[str, Any] | None = None,
    order: list[dict[str, Any]] | None = None,
) -> list[str]:
    data = await client.data(DEALS, {"filter": filter, "order": order, "first": 100})
    return [edge["node"]["title"] for edge in data["deals"]["edges"]]
