"""GraphQL documents and helpers the automation tests share (the public API only)."""

from __future__ import annotations

from typing import Any

from tests.client import GraphQLClient

CREATE_RULE = """
mutation($input: AutomationRuleInput!) {
  createAutomationRule(input: $input) { id name trigger entity actions owner { email } }
}"""
RUNS = """
query($rule: ID!) {
  automationRuns(ruleId: $rule, first: 50) {
    totalCount edges { node { status message eventSeq createdIds } }
  }
}"""
CREATE_DEAL = "mutation($input: DealInput!) { createDeal(input: $input) { id stage { id } } }"
MOVE_DEAL = "mutation($id: ID!, $stage: ID!) { moveDeal(id: $id, stageId: $stage) { id } }"
STAGES = "{ pipelines { isDefault stages { id name semantics } } }"
TASKS = """
query($crm: ID!) { tasks(first: 50, filter: {crmItemId: $crm}) {
  totalCount edges { node { id title description deadline responsible { email } } } } }"""


async def create_rule(admin: GraphQLClient, **input: Any) -> str:
    data = await admin.data(CREATE_RULE, {"input": input})
    rule_id: str = data["createAutomationRule"]["id"]
    return rule_id


async def runs(admin: GraphQLClient, rule_id: str) -> list[dict[str, Any]]:
    data = await admin.data(RUNS, {"rule": rule_id})
    return [edge["node"] for edge in data["automationRuns"]["edges"]]


async def stage(client: GraphQLClient, semantics: str) -> str:
    pipelines = (await client.data(STAGES))["pipelines"]
    default = next(pipeline for pipeline in pipelines if pipeline["isDefault"])
    stage_id: str = next(s["id"] for s in default["stages"] if s["semantics"] == semantics)
    return stage_id


async def won_deal(client: GraphQLClient, title: str) -> str:
    """A new deal, moved to the default pipeline's won stage."""
    deal = (await client.data(CREATE_DEAL, {"input": {"title": title}}))["createDeal"]
    await client.data(MOVE_DEAL, {"id": deal["id"], "stage": await stage(client, "SUCCESS")})
    deal_id: str = deal["id"]
    return deal_id


async def tasks_of(client: GraphQLClient, record_id: str) -> list[dict[str, Any]]:
    data = await client.data(TASKS, {"crm": record_id})
    return [edge["node"] for edge in data["tasks"]["edges"]]


FOLLOW_UP = {
    "name": "Follow up won deals",
    "trigger": {"kind": "DEAL_STAGE_ENTERED", "semantics": "SUCCESS"},
    "actions": [
        {
            "kind": "CREATE_TASK",
            "title": "Follow up: {title}",
            "description": "Won for {amount} {currency}",
            "deadlineInHours": 48,
        }
    ],
}
