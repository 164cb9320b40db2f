"""GraphQL documents and small helpers the CRM tests share (the public API only)."""

from __future__ import annotations

import base64
from typing import Any

from tests.client import GraphQLClient

CREATE_LEAD = """
mutation($input: LeadInput!) {
  createLead(input: $input) {
    id title firstName lastName isRepeat status { name semantics }
    communications { kind value valueType normalized }
  }
}"""

CREATE_CONTACT = """
mutation($input: ContactInput!) { createContact(input: $input) { id name } }"""

CREATE_COMPANY = """
mutation($input: CompanyInput!) { createCompany(input: $input) { id title } }"""

CREATE_DEAL = """
mutation($input: DealInput!) {
  createDeal(input: $input) {
    id title amount currency closedAt semantics
    pipeline { id name } stage { id name semantics }
    company { id title } contacts { id name }
  }
}"""

PIPELINES = """
{ pipelines { id name isDefault stages { id name semantics } } }"""

LEAD_STATUSES = "{ leadStatuses { id name semantics } }"


def global_id(type_name: str, pk: int) -> str:
    """The API's opaque ID of a row made straight in the database."""
    return base64.urlsafe_b64encode(f"{type_name}:{pk}".encode()).decode().rstrip("=")


async def pipelines(client: GraphQLClient) -> list[dict[str, Any]]:
    data = await client.data(PIPELINES)
    result: list[dict[str, Any]] = data["pipelines"]
    return result


async def default_pipeline(client: GraphQLClient) -> dict[str, Any]:
    return next(p for p in await pipelines(client) if p["isDefault"])


async def create(client: GraphQLClient, document: str, **input: Any) -> dict[str, Any]:
    data = await client.data(document, {"input": input})
    (result,) = data.values()
    assert isinstance(result, dict)
    return result
