"""Rule scopes through the public API: an intern who sees no won deal in any pipeline, ones
created after his policy was compiled included; explainAccess naming the deciding rule; the
admin API setting, listing and refusing scopes; deleting a stage deletes its rules."""

from __future__ import annotations

from typing import Any

from models import SessionFactory
from schema.relay import encode_id
from tests.access.test_admin_api import ASSIGN, create_role, stages
from tests.client import GraphQLClient
from tests.crm.api import default_pipeline
from tests.factories import Seed

SET_RULE = """
mutation($role: ID!, $entity: AccessEntity!, $action: Action!, $level: AccessLevel,
         $semantics: Semantics, $pipeline: ID, $status: ID) {
  setRolePermission(roleId: $role, entity: $entity, action: $action, level: $level,
                    semantics: $semantics, pipelineId: $pipeline, statusId: $status) {
    permissions { entity action scope semantics pipelineId statusId level }
  }
}"""
SET_FIELD_RULE = """
mutation($role: ID!, $entity: AccessEntity!, $field: String!, $rule: FieldRuleKind,
         $semantics: Semantics, $pipeline: ID, $status: ID) {
  setFieldRule(roleId: $role, entity: $entity, field: $field, rule: $rule,
               semantics: $semantics, pipelineId: $pipeline, statusId: $status) {
    fieldRules { entity field scope semantics pipelineId statusId rule }
  }
}"""
CREATE_PIPELINE = """
mutation($name: String!) { createPipeline(name: $name) { id stages { id name semantics } } }"""
CREATE_STAGE = """
mutation($p: ID!, $name: String!, $semantics: Semantics!) {
  createDealStage(pipelineId: $p, name: $name, semantics: $semantics) { id }
}"""
CREATE_DEAL = """
mutation($input: DealInput!) { createDeal(input: $input) { id } }"""
NODE = "query($id: ID!) { node(id: $id) { id } }"
MY_DEALS = "{ deals(first: 100) { totalCount edges { node { id amount } } } }"
EXPLAIN = """
query($u: ID!, $n: ID!) {
  explainAccess(userId: $u, nodeId: $n, action: READ) {
    allowed reason decidedBy { role level rule }
  }
}"""


async def set_rule(admin: GraphQLClient, role: str, level: str | None, **scope: Any) -> Any:
    variables = {"role": role, "entity": "DEAL", "action": "READ", "level": level}
    return await admin.request(SET_RULE, variables | scope)


async def make_intern(admin: GraphQLClient, seed: Seed) -> str:
    """OWN for reading deals, NONE in won deals of any pipeline, amounts hidden."""
    role = await create_role(admin, "Intern")
    assert not (await set_rule(admin, role, "OWN")).errors
    assert not (await set_rule(admin, role, "NONE", semantics="SUCCESS")).errors
    hide = {"role": role, "entity": "DEAL", "field": "amount", "rule": "HIDDEN"}
    await admin.data(SET_FIELD_RULE, hide)
    await admin.data(ASSIGN, {"role": role, "user": encode_id("User", seed.member.id)})
    return role


async def deal_for(admin: GraphQLClient, seed: Seed, pipeline: str, stage: str) -> str:
    data = await admin.data(
        CREATE_DEAL,
        {
            "input": {
                "title": "deal",
                "pipelineId": pipeline,
                "stageId": stage,
                "amount": "100.00",
                "assignedToId": encode_id("User", seed.member.id),
                "opened": False,
            }
        },
    )
    deal_id: str = data["createDeal"]["id"]
    return deal_id


async def deals_in_every_stage(
    admin: GraphQLClient, seed: Seed, pipeline: dict[str, Any]
) -> dict[str, str]:
    """A deal of the intern in every stage of the pipeline: stage semantics → deal id."""
    return {
        f"{stage['name']}/{stage['semantics']}": await deal_for(
            admin, seed, pipeline["id"], stage["id"]
        )
        for stage in pipeline["stages"]
    }


async def readable_ids(intern: GraphQLClient) -> set[str]:
    data = await intern.data(MY_DEALS)
    edges = data["deals"]["edges"]
    assert data["deals"]["totalCount"] == len(edges)
    assert all(edge["node"]["amount"] is None for edge in edges)
    return {edge["node"]["id"] for edge in edges}


async def test_the_intern_sees_no_won_deal_in_any_pipeline(
    admin: GraphQLClient, member: GraphQLClient, seed: Seed
) -> None:
    await make_intern(admin, seed)
    partners = (await admin.data(CREATE_PIPELINE, {"name": "Partners"}))["createPipeline"]
    deals = await deals_in_every_stage(admin, seed, await default_pipeline(admin))
    deals |= {
        f"partners {key}": deal_id
        for key, deal_id in (await deals_in_every_stage(admin, seed, partners)).items()
    }

    visible = await readable_ids(member)

    assert visible == {deal_id for key, deal_id in deals.items() if "SUCCESS" not in key}
    node = await member.request(NODE, {"id": deals["partners Won/SUCCESS"]})
    assert node.is_null()


async def test_a_pipeline_and_a_stage_created_after_the_policy_was_compiled(
    admin: GraphQLClient, member: GraphQLClient, seed: Seed
) -> None:
    await make_intern(admin, seed)
    assert await readable_ids(member) == set()  # the intern's policy, compiled now

    later = (await admin.data(CREATE_PIPELINE, {"name": "Later"}))["createPipeline"]
    sales = await default_pipeline(admin)
    won_again = await admin.data(
        CREATE_STAGE, {"p": sales["id"], "name": "Won again", "semantics": "SUCCESS"}
    )
    pilot = await admin.data(
        CREATE_STAGE, {"p": sales["id"], "name": "Pilot", "semantics": "PROCESS"}
    )
    deals = await deals_in_every_stage(admin, seed, later)
    won_again_deal = await deal_for(admin, seed, sales["id"], won_again["createDealStage"]["id"])
    pilot_deal = await deal_for(admin, seed, sales["id"], pilot["createDealStage"]["id"])

    assert await readable_ids(member) == {
        deals["New/PROCESS"],
        deals["Lost/FAILURE"],
        pilot_deal,
    }
    for hidden in (deals["Won/SUCCESS"], won_again_deal):
        assert (await member.request(NODE, {"id": hidden})).is_null()


async def test_explain_access_names_the_rule_that_decided(admin: GraphQLClient, seed: Seed) -> None:
    await make_intern(admin, seed)
    partners = (await admin.data(CREATE_PIPELINE, {"name": "Partners"}))["createPipeline"]
    deals = await deals_in_every_stage(admin, seed, partners)
    intern = encode_id("User", seed.member.id)

    refused = await admin.data(EXPLAIN, {"u": intern, "n": deals["Won/SUCCESS"]})
    assert refused["explainAccess"] == {
        "allowed": False,
        "reason": "DEAL READ for stages of semantics SUCCESS (role Intern) grants NONE",
        "decidedBy": {
            "role": "Intern",
            "level": "NONE",
            "rule": "DEAL READ for stages of semantics SUCCESS",
        },
    }
    allowed = await admin.data(EXPLAIN, {"u": intern, "n": deals["New/PROCESS"]})
    assert allowed["explainAccess"]["decidedBy"] == {
        "role": "Intern",
        "level": "OWN",
        "rule": "DEAL READ in any status",
    }

    closer = await create_role(admin, "Partner closer")
    await set_rule(admin, closer, "ALL", pipeline=partners["id"])
    await admin.data(ASSIGN, {"role": closer, "user": intern})
    by_pipeline = await admin.data(EXPLAIN, {"u": intern, "n": deals["Won/SUCCESS"]})
    assert by_pipeline["explainAccess"]["allowed"] is True
    assert by_pipeline["explainAccess"]["decidedBy"] == {
        "role": "Partner closer",
        "level": "ALL",
        "rule": f"DEAL READ for stages of pipeline {partners['id']}",
    }


async def test_the_admin_api_sets_and_lists_scoped_rules(
    admin: GraphQLClient, session_factory: SessionFactory
) -> None:
    role = await create_role(admin, "Scoped")
    sales = await default_pipeline(admin)
    won = (await stages(session_factory))["Won"]
    await set_rule(admin, role, "OWN")
    await set_rule(admin, role, "ALL", status=won)
    await set_rule(admin, role, "DEPARTMENT", pipeline=sales["id"])
    answer = await set_rule(admin, role, "NONE", semantics="FAILURE")
    listed = answer.data["setRolePermission"]["permissions"]
    assert [(row["scope"], row["level"]) for row in listed] == [
        ("ANY", "OWN"),
        ("SEMANTICS", "NONE"),
        ("PIPELINE", "DEPARTMENT"),
        ("STATUS", "ALL"),
    ]
    assert listed[1]["semantics"] == "FAILURE"
    assert (listed[2]["pipelineId"], listed[2]["statusId"]) == (sales["id"], None)
    assert (listed[3]["pipelineId"], listed[3]["statusId"]) == (None, won)

    # Setting a scope again replaces its rule; a null level removes it.
    replaced = await set_rule(admin, role, "OPEN", semantics="FAILURE")
    assert len(replaced.data["setRolePermission"]["permissions"]) == 4
    removed = await set_rule(admin, role, None, pipeline=sales["id"])
    scopes = [row["scope"] for row in removed.data["setRolePermission"]["permissions"]]
    assert scopes == ["ANY", "SEMANTICS", "STATUS"]

    rule = {"role": role, "entity": "LEAD", "field": "title", "rule": "READ_ONLY"}
    fields = await admin.data(SET_FIELD_RULE, rule | {"semantics": "SUCCESS"})
    assert fields["setFieldRule"]["fieldRules"] == [
        {
            "entity": "LEAD",
            "field": "title",
            "scope": "SEMANTICS",
            "semantics": "SUCCESS",
            "pipelineId": None,
            "statusId": None,
            "rule": "READ_ONLY",
        }
    ]


async def test_the_admin_api_refuses_scopes_the_entity_does_not_have(
    admin: GraphQLClient, session_factory: SessionFactory
) -> None:
    role = await create_role(admin, "Scoped")
    sales = await default_pipeline(admin)
    won = (await stages(session_factory))["Won"]

    def refused(answer: Any) -> tuple[str, str | None]:
        return answer.code, answer.error_field

    two = await set_rule(admin, role, "ALL", semantics="SUCCESS", status=won)
    assert refused(two) == ("BAD_USER_INPUT", "statusId")
    three = await set_rule(admin, role, "ALL", semantics="SUCCESS", pipeline=sales["id"])
    assert refused(three) == ("BAD_USER_INPUT", "pipelineId")
    lead_pipeline = await admin.request(
        SET_RULE,
        {"role": role, "entity": "LEAD", "action": "READ", "level": "ALL", "pipeline": sales["id"]},
    )
    assert refused(lead_pipeline) == ("BAD_USER_INPUT", "pipelineId")
    contact_semantics = await admin.request(
        SET_RULE,
        {
            "role": role,
            "entity": "CONTACT",
            "action": "READ",
            "level": "ALL",
            "semantics": "SUCCESS",
        },
    )
    assert refused(contact_semantics) == ("BAD_USER_INPUT", "semantics")
    company_field = await admin.request(
        SET_FIELD_RULE,
        {
            "role": role,
            "entity": "COMPANY",
            "field": "title",
            "rule": "HIDDEN",
            "pipeline": sales["id"],
        },
    )
    assert refused(company_field) == ("BAD_USER_INPUT", "pipelineId")
    stage_as_pipeline = await set_rule(admin, role, "ALL", pipeline=won)
    assert refused(stage_as_pipeline) == ("BAD_USER_INPUT", "pipelineId")
    lead_status = await set_rule(admin, role, "ALL", status=encode_id("LeadStatus", 1))
    assert refused(lead_status) == ("BAD_USER_INPUT", "statusId")
    missing = await set_rule(admin, role, "ALL", pipeline=encode_id("Pipeline", 999))
    assert refused(missing) == ("NOT_FOUND", "pipelineId")
    rules = await admin.data(
        "query($id: ID!) { node(id: $id) { ... on Role { permissions { scope } } } }",
        {"id": role},
    )
    assert rules["node"]["permissions"] == []


async def test_deleting_a_stage_or_pipeline_deletes_the_rules_naming_it(
    admin: GraphQLClient,
) -> None:
    role = await create_role(admin, "Scoped")
    extra = (await admin.data(CREATE_PIPELINE, {"name": "Extra"}))["createPipeline"]
    pilot = await admin.data(
        CREATE_STAGE, {"p": extra["id"], "name": "Pilot", "semantics": "PROCESS"}
    )
    pilot_id = pilot["createDealStage"]["id"]
    await set_rule(admin, role, "ALL", status=pilot_id)
    await set_rule(admin, role, "ALL", status=extra["stages"][0]["id"])
    await set_rule(admin, role, "OWN", pipeline=extra["id"])
    await set_rule(admin, role, "OWN", semantics="SUCCESS")
    query = "query($id: ID!) { node(id: $id) { ... on Role { permissions { scope } } } }"

    await admin.data("mutation($id: ID!) { deleteDealStage(id: $id) }", {"id": pilot_id})
    scopes = (await admin.data(query, {"id": role}))["node"]["permissions"]
    assert [row["scope"] for row in scopes] == ["SEMANTICS", "PIPELINE", "STATUS"]

    await admin.data("mutation($id: ID!) { deletePipeline(id: $id) }", {"id": extra["id"]})
    scopes = (await admin.data(query, {"id": role}))["node"]["permissions"]
    assert [row["scope"] for row in scopes] == ["SEMANTICS"]


async def test_leaving_out_the_level_or_the_rule_is_refused_not_read_as_null(
    admin: GraphQLClient,
) -> None:
    role = await create_role(admin, "Scoped")
    await set_rule(admin, role, "OWN")
    hide = {"role": role, "entity": "DEAL", "field": "amount", "rule": "HIDDEN"}
    await admin.data(SET_FIELD_RULE, hide)

    no_level = await admin.request(
        f'mutation {{ setRolePermission(roleId: "{role}", entity: DEAL, action: READ) {{ id }} }}'
    )
    assert (no_level.code, no_level.error_field) == ("BAD_USER_INPUT", "level")
    no_rule = await admin.request(
        f'mutation {{ setFieldRule(roleId: "{role}", entity: DEAL, field: "amount") {{ id }} }}'
    )
    assert (no_rule.code, no_rule.error_field) == ("BAD_USER_INPUT", "rule")

    kept = await admin.data(
        "query($id: ID!) { node(id: $id) { ... on Role { permissions { level } "
        "fieldRules { field rule } } } }",
        {"id": role},
    )
    assert kept["node"]["permissions"] == [{"level": "OWN"}]
    assert kept["node"]["fieldRules"] == [{"field": "amount", "rule": "HIDDEN"}]
