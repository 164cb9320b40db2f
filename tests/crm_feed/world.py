"""A sales world for the CRM ↔ feed tests, set up through the admin API.

Nina (North) holds "Deal reader": READ her own records, with deal amounts HIDDEN.
Owen (Marketing) holds no role: no CRM record reaches him. Ada is the administrator.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tests.client import GraphQLClient
from tests.collaboration.factories import Company, Users, gid

ROLE = 'mutation { createRole(input: {name: "Deal reader", description: "d"}) { id } }'
PERMISSION = """mutation($role: ID!, $entity: AccessEntity!) {
  setRolePermission(roleId: $role, entity: $entity, action: READ, level: OWN) { id }
}"""
HIDE_AMOUNT = """mutation($role: ID!) {
  setFieldRule(roleId: $role, entity: DEAL, field: "amount", rule: HIDDEN) { id }
}"""
ASSIGN = "mutation($role: ID!, $user: ID) { assignRole(roleId: $role, userId: $user) { id } }"
CREATE_DEAL = """mutation($input: DealInput!) {
  createDeal(input: $input) { id stage { id } pipeline { stages { id name semantics } } }
}"""
MOVE_DEAL = "mutation($id: ID!, $stage: ID!) { moveDeal(id: $id, stageId: $stage) { id } }"
CREATE_LEAD = "mutation($input: LeadInput!) { createLead(input: $input) { id } }"


@dataclass(frozen=True)
class World:
    company: Company
    ada: GraphQLClient
    nina: GraphQLClient
    owen: GraphQLClient


async def sales_world(company: Company, users: Users) -> World:
    ada = await users(company.ada)
    role = (await ada.data(ROLE))["createRole"]["id"]
    for entity in ("DEAL", "LEAD", "CONTACT", "COMPANY"):
        await ada.data(PERMISSION, {"role": role, "entity": entity})
    await ada.data(HIDE_AMOUNT, {"role": role})
    await ada.data(ASSIGN, {"role": role, "user": gid("User", company.nina.id)})
    return World(company, ada, await users(company.nina), await users(company.owen))


async def create_deal(
    client: GraphQLClient, title: str, responsible_id: int, amount: str = "1000"
) -> dict[str, Any]:
    data = await client.data(
        CREATE_DEAL,
        {
            "input": {
                "title": title,
                "amount": amount,
                "assignedToId": gid("User", responsible_id),
            }
        },
    )
    deal: dict[str, Any] = data["createDeal"]
    return deal


def won_stage(deal: dict[str, Any]) -> dict[str, Any]:
    stage: dict[str, Any] = next(
        s for s in deal["pipeline"]["stages"] if s["semantics"] == "SUCCESS"
    )
    return stage


def next_stage(deal: dict[str, Any]) -> dict[str, Any]:
    stages = deal["pipeline"]["stages"]
    index = [s["id"] for s in stages].index(deal["stage"]["id"])
    stage: dict[str, Any] = stages[index + 1]
    return stage


async def move_deal(client: GraphQLClient, deal: dict[str, Any], stage: dict[str, Any]) -> None:
    await client.data(MOVE_DEAL, {"id": deal["id"], "stage": stage["id"]})


async def create_lead(client: GraphQLClient, title: str, responsible_id: int) -> str:
    data = await client.data(
        CREATE_LEAD, {"input": {"title": title, "assignedToId": gid("User", responsible_id)}}
    )
    lead_id: str = data["createLead"]["id"]
    return lead_id
