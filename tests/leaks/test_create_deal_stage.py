"""createDeal(stageId:) is held to the roles' stage transitions, as moving a deal from the
pipeline's first stage would be."""

from __future__ import annotations

from tests.leaks.conftest import LogIn

ROLES = "{ roles(first: 10) { edges { node { id name } } } }"
PIPELINE = "{ pipelines { id isDefault stages { id name semantics } } }"
TRANSITIONS = """mutation($role: ID!, $pipeline: ID!, $moves: [StageMoveInput!]!) {
  setStageTransitions(roleId: $role, pipelineId: $pipeline, transitions: $moves) { id } }"""
CREATE = """mutation($stage: ID) {
  createDeal(input: {title: "Straight in", stageId: $stage}) { stage { id } } }"""


async def test_a_role_that_may_not_reach_won_does_not_create_won_deals(demo: LogIn) -> None:
    admin = await demo("admin@example.com")
    roles = {
        edge["node"]["name"]: edge["node"]["id"]
        for edge in (await admin.data(ROLES))["roles"]["edges"]
    }
    pipeline = next(p for p in (await admin.data(PIPELINE))["pipelines"] if p["isDefault"])
    first, second = (stage["id"] for stage in pipeline["stages"][:2])
    won, lost = (
        next(stage["id"] for stage in pipeline["stages"] if stage["semantics"] == semantics)
        for semantics in ("SUCCESS", "FAILURE")
    )
    await admin.data(
        TRANSITIONS,
        {
            "role": roles["Sales manager"],
            "pipeline": pipeline["id"],
            "moves": [{"fromStageId": first, "toStageId": second}],
        },
    )
    maria = await demo("maria.ivanova@example.com")

    for closed in (won, lost):
        refused = await maria.request(CREATE, {"stage": closed})
        assert (refused.code, refused.error_field) == ("FORBIDDEN", "stageId")
    for allowed in (None, first, second):
        created = await maria.data(CREATE, {"stage": allowed})
        assert created["createDeal"]["stage"]["id"] == allowed or first
    assert (await admin.data(CREATE, {"stage": won}))["createDeal"]["stage"]["id"] == won
