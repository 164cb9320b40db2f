from __future__ import annotations

from tests.client import GraphQLClient
from tests.crm.api import CREATE_DEAL, CREATE_LEAD, LEAD_STATUSES, create, pipelines

REORDER = """mutation($p: ID!, $ids: [ID!]!) {
  reorderDealStages(pipelineId: $p, ids: $ids) { name } }"""


async def test_defaults_exist_after_migrating(member: GraphQLClient) -> None:
    statuses = (await member.data(LEAD_STATUSES))["leadStatuses"]
    assert [(s["name"], s["semantics"]) for s in statuses] == [
        ("New", "PROCESS"),
        ("In process", "PROCESS"),
        ("Processed", "PROCESS"),
        ("Converted", "SUCCESS"),
        ("Junk", "FAILURE"),
    ]
    sources = (await member.data("{ leadSources { name } }"))["leadSources"]
    assert [s["name"] for s in sources][:3] == ["Call", "E-mail", "Web site"]
    (sales,) = await pipelines(member)
    assert sales["isDefault"] is True
    assert [s["semantics"] for s in sales["stages"]] == ["PROCESS"] * 4 + ["SUCCESS", "FAILURE"]


async def test_admin_creates_renames_reorders_and_deletes_stages(admin: GraphQLClient) -> None:
    created = (
        await admin.data(
            'mutation { createPipeline(name: "Partners") { id name isDefault stages { name } } }'
        )
    )["createPipeline"]
    assert created["isDefault"] is False
    assert [s["name"] for s in created["stages"]] == ["New", "Won", "Lost"]
    pipeline = created["id"]

    stage = (
        await admin.data(
            'mutation($p: ID!) { createDealStage(pipelineId: $p, name: "Pilot") { id sort } }',
            {"p": pipeline},
        )
    )["createDealStage"]
    partners = next(p for p in await pipelines(admin) if p["id"] == pipeline)
    # A new PROCESS stage goes last among the in-progress ones, before won and lost.
    assert [s["name"] for s in partners["stages"]] == ["New", "Pilot", "Won", "Lost"]

    await admin.data(
        'mutation($id: ID!) { renameDealStage(id: $id, name: "Trial") { name } }',
        {"id": stage["id"]},
    )
    ids = [s["id"] for s in partners["stages"]]
    reordered = (
        await admin.data(
            REORDER,
            {"p": pipeline, "ids": [ids[1], ids[0], ids[2], ids[3]]},
        )
    )["reorderDealStages"]
    assert [s["name"] for s in reordered] == ["Trial", "New", "Won", "Lost"]

    wrong = await admin.request(
        REORDER,
        {"p": pipeline, "ids": [ids[2], ids[0], ids[1], ids[3]]},
    )
    assert (wrong.code, wrong.error_field) == ("BAD_USER_INPUT", "ids")

    deal = await create(admin, CREATE_DEAL, title="Pilot deal", stageId=stage["id"])
    in_use = await admin.request(
        "mutation($id: ID!) { deleteDealStage(id: $id) }", {"id": stage["id"]}
    )
    assert (in_use.code, in_use.error_field) == ("CONFLICT", "id")
    pipeline_in_use = await admin.request(
        "mutation($id: ID!) { deletePipeline(id: $id) }", {"id": pipeline}
    )
    assert pipeline_in_use.code == "CONFLICT"

    await admin.data("mutation($id: ID!) { deleteDeal(id: $id) }", {"id": deal["id"]})
    await admin.data("mutation($id: ID!) { deleteDealStage(id: $id) }", {"id": stage["id"]})
    await admin.data("mutation($id: ID!) { deletePipeline(id: $id) }", {"id": pipeline})
    assert [p["name"] for p in await pipelines(admin)] == ["Sales"]


async def test_statuses_in_use_or_last_of_their_kind_stay(admin: GraphQLClient) -> None:
    statuses = (await admin.data(LEAD_STATUSES))["leadStatuses"]
    new, converted = statuses[0], statuses[3]
    await create(admin, CREATE_LEAD, title="Uses New")
    in_use = await admin.request(
        "mutation($id: ID!) { deleteLeadStatus(id: $id) }", {"id": new["id"]}
    )
    assert in_use.code == "CONFLICT"
    last_success = await admin.request(
        "mutation($id: ID!) { deleteLeadStatus(id: $id) }", {"id": converted["id"]}
    )
    assert last_success.code == "CONFLICT"

    created = (
        await admin.data('mutation { createLeadStatus(name: "Hot", semantics: PROCESS) { id } }')
    )["createLeadStatus"]
    names = [s["name"] for s in (await admin.data(LEAD_STATUSES))["leadStatuses"]]
    assert names == ["New", "In process", "Processed", "Hot", "Converted", "Junk"]
    await admin.data("mutation($id: ID!) { deleteLeadStatus(id: $id) }", {"id": created["id"]})


async def test_dictionary_changes_are_for_admins_only(member: GraphQLClient) -> None:
    response = await member.request('mutation { createLeadSource(name: "Fair") { id } }')
    assert response.code == "FORBIDDEN"


async def test_dictionary_entries_are_nodes(member: GraphQLClient) -> None:
    sales = (await pipelines(member))[0]
    status = (await member.data(LEAD_STATUSES))["leadStatuses"][0]
    source = (await member.data("{ leadSources { id name } }"))["leadSources"][0]
    query = "query($id: ID!) { node(id: $id) { __typename } }"
    for global_id, type_name in (
        (sales["id"], "Pipeline"),
        (sales["stages"][0]["id"], "DealStage"),
        (status["id"], "LeadStatus"),
        (source["id"], "LeadSource"),
    ):
        data = await member.data(query, {"id": global_id})
        assert data["node"] == {"__typename": type_name}
    stage = await member.data(
        "query($id: ID!) { node(id: $id) { ... on DealStage { pipeline { name } } } }",
        {"id": sales["stages"][0]["id"]},
    )
    assert stage["node"]["pipeline"] == {"name": "Sales"}
