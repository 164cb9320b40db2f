"""The roles admin API through GraphQL, and policy changes reaching the next request."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import select
from starlette.applications import Starlette

from crmhub.app import create_app
from crmhub.settings import Settings
from models import SessionFactory
from models.crm import Deal, DealStage, Pipeline
from schema.relay import encode_id
from tests.client import GraphQLClient
from tests.factories import Seed
from tests.statements import count_statements

CREATE_ROLE = """
mutation($name: String!) { createRole(input: {name: $name, description: "d"}) { id name } }
"""
SET_PERMISSION = """
mutation($role: ID!, $entity: AccessEntity!, $action: Action!, $level: AccessLevel,
         $status: ID) {
  setRolePermission(roleId: $role, entity: $entity, action: $action, level: $level,
                    statusId: $status) {
    permissions { entity action statusId level }
  }
}
"""
SET_FIELD_RULE = """
mutation($role: ID!, $field: String!, $rule: FieldRuleKind, $status: ID) {
  setFieldRule(roleId: $role, entity: DEAL, field: $field, rule: $rule, statusId: $status) {
    fieldRules { entity field statusId rule }
  }
}
"""
ASSIGN = """
mutation($role: ID!, $user: ID, $department: ID) {
  assignRole(roleId: $role, userId: $user, departmentId: $department) {
    users { email } departments { name }
  }
}
"""
UNASSIGN = """
mutation($role: ID!, $user: ID, $department: ID) {
  unassignRole(roleId: $role, userId: $user, departmentId: $department) { id }
}
"""
MY_PERMISSIONS = "{ viewer { roles { name } permissions { entity action statusId level } } }"


async def create_role(admin: GraphQLClient, name: str) -> str:
    data = await admin.data(CREATE_ROLE, {"name": name})
    role_id: str = data["createRole"]["id"]
    return role_id


async def set_level(
    admin: GraphQLClient,
    role: str,
    entity: str,
    action: str,
    level: str | None,
    status: str | None = None,
) -> dict[str, Any]:
    variables = {"role": role, "entity": entity, "action": action, "level": level, "status": status}
    return await admin.data(SET_PERMISSION, variables)


async def stages(session_factory: SessionFactory) -> dict[str, str]:
    async with session_factory() as session:
        rows = (
            await session.execute(
                select(DealStage.name, DealStage.id)
                .join(Pipeline, Pipeline.id == DealStage.pipeline_id)
                .where(Pipeline.is_default)
            )
        ).tuples()
        return {name: encode_id("DealStage", stage_id) for name, stage_id in rows}


def levels(data: dict[str, Any], entity: str, action: str) -> dict[str | None, str]:
    return {
        row["statusId"]: row["level"]
        for row in data["viewer"]["permissions"]
        if row["entity"] == entity and row["action"] == action
    }


async def test_only_admins_see_and_change_roles(member: GraphQLClient) -> None:
    assert (await member.request("{ roles { totalCount } }")).code == "FORBIDDEN"
    assert (await member.request(CREATE_ROLE, {"name": "Mine"})).code == "FORBIDDEN"


async def test_admin_builds_a_role_and_reads_it_back(
    admin: GraphQLClient, seed: Seed, session_factory: SessionFactory
) -> None:
    role = await create_role(admin, "Intern")
    won = (await stages(session_factory))["Won"]
    await set_level(admin, role, "DEAL", "READ", "OWN")
    data = await set_level(admin, role, "DEAL", "READ", "NONE", won)
    assert data["setRolePermission"]["permissions"] == [
        {"entity": "DEAL", "action": "READ", "statusId": None, "level": "OWN"},
        {"entity": "DEAL", "action": "READ", "statusId": won, "level": "NONE"},
    ]
    # Setting again replaces; a null level removes the row.
    await set_level(admin, role, "DEAL", "READ", "ALL", won)
    data = await set_level(admin, role, "DEAL", "READ", None, won)
    assert len(data["setRolePermission"]["permissions"]) == 1

    rules = await admin.data(SET_FIELD_RULE, {"role": role, "field": "amount", "rule": "HIDDEN"})
    assert rules["setFieldRule"]["fieldRules"] == [
        {"entity": "DEAL", "field": "amount", "statusId": None, "rule": "HIDDEN"}
    ]
    member_id = encode_id("User", seed.member.id)
    assigned = await admin.data(ASSIGN, {"role": role, "user": member_id})
    assert assigned["assignRole"]["users"] == [{"email": seed.member.email}]
    await admin.data(ASSIGN, {"role": role, "user": member_id})  # idempotent

    listed = await admin.data("{ roles { totalCount edges { node { name } } } }")
    assert listed["roles"]["totalCount"] == 1
    node = await admin.data(
        "query($id: ID!) { node(id: $id) { ... on Role { name description } } }", {"id": role}
    )
    assert node["node"] == {"name": "Intern", "description": "d"}


async def test_bad_input_names_the_field(
    admin: GraphQLClient, seed: Seed, session_factory: SessionFactory
) -> None:
    role = await create_role(admin, "Role")
    bad_field = await admin.request(
        SET_FIELD_RULE, {"role": role, "field": "salary", "rule": "HIDDEN"}
    )
    assert (bad_field.code, bad_field.error_field) == ("BAD_USER_INPUT", "field")

    contact_status = await set_level_request(admin, role, "CONTACT", "READ", "ALL", "X")
    assert (contact_status.code, contact_status.error_field) == ("BAD_USER_INPUT", "statusId")

    unknown = await set_level_request(
        admin, role, "DEAL", "READ", "ALL", encode_id("DealStage", 999)
    )
    assert (unknown.code, unknown.error_field) == ("NOT_FOUND", "statusId")

    no_role = await set_level_request(admin, encode_id("Role", 999), "DEAL", "READ", "ALL", None)
    assert (no_role.code, no_role.error_field) == ("NOT_FOUND", "roleId")

    both = await admin.request(
        ASSIGN,
        {
            "role": role,
            "user": encode_id("User", seed.member.id),
            "department": encode_id("Department", seed.sales.id),
        },
    )
    assert (both.code, both.error_field) == ("BAD_USER_INPUT", "userId")

    duplicate = await admin.request(CREATE_ROLE, {"name": "Role"})
    assert (duplicate.code, duplicate.error_field) == ("CONFLICT", "name")

    stage_ids = await stages(session_factory)
    other_pipeline_move = await admin.request(
        """mutation($role: ID!, $p: ID!, $from: ID!, $to: ID!) {
             setStageTransitions(roleId: $role, pipelineId: $p,
                                 transitions: [{fromStageId: $from, toStageId: $to}]) { id } }""",
        {
            "role": role,
            "p": encode_id("Pipeline", 999),
            "from": stage_ids["New"],
            "to": stage_ids["Won"],
        },
    )
    assert (other_pipeline_move.code, other_pipeline_move.error_field) == (
        "NOT_FOUND",
        "pipelineId",
    )


async def set_level_request(
    admin: GraphQLClient, role: str, entity: str, action: str, level: str, status: str | None
) -> Any:
    variables = {"role": role, "entity": entity, "action": action, "level": level, "status": status}
    return await admin.request(SET_PERMISSION, variables)


async def test_stage_transitions_are_replaced_per_pipeline(
    admin: GraphQLClient, session_factory: SessionFactory
) -> None:
    role = await create_role(admin, "Mover")
    stage_ids = await stages(session_factory)
    async with session_factory() as session:
        pipeline_id = await session.scalar(select(Pipeline.id).where(Pipeline.is_default))
    assert pipeline_id is not None
    query = """mutation($role: ID!, $p: ID!, $moves: [StageMoveInput!]!) {
      setStageTransitions(roleId: $role, pipelineId: $p, transitions: $moves) {
        stageTransitions { fromStageId toStageId } } }"""
    moves = [{"fromStageId": stage_ids["New"], "toStageId": stage_ids["Preparation"]}]
    variables = {"role": role, "p": encode_id("Pipeline", pipeline_id), "moves": moves}
    data = await admin.data(query, variables)
    assert data["setStageTransitions"]["stageTransitions"] == moves
    cleared = await admin.data(query, {**variables, "moves": []})
    assert cleared["setStageTransitions"]["stageTransitions"] == []


async def test_a_policy_change_reaches_the_next_request_of_the_same_token(
    admin: GraphQLClient, member: GraphQLClient, seed: Seed
) -> None:
    before = await member.data(MY_PERMISSIONS)
    assert levels(before, "LEAD", "READ") == {None: "NONE"}

    role = await create_role(admin, "Sales manager")
    await set_level(admin, role, "LEAD", "READ", "OPEN")
    # Held through the parent of the member's department.
    await admin.data(ASSIGN, {"role": role, "department": encode_id("Department", seed.sales.id)})
    granted = await member.data(MY_PERMISSIONS)
    assert levels(granted, "LEAD", "READ") == {None: "OPEN"}
    assert granted["viewer"]["roles"] == [{"name": "Sales manager"}]

    await set_level(admin, role, "LEAD", "READ", "OWN")
    assert levels(await member.data(MY_PERMISSIONS), "LEAD", "READ") == {None: "OWN"}

    await admin.data(UNASSIGN, {"role": role, "department": encode_id("Department", seed.sales.id)})
    assert levels(await member.data(MY_PERMISSIONS), "LEAD", "READ") == {None: "NONE"}

    await admin.data(ASSIGN, {"role": role, "user": encode_id("User", seed.member.id)})
    assert levels(await member.data(MY_PERMISSIONS), "LEAD", "READ") == {None: "OWN"}
    await admin.data("mutation($id: ID!) { deleteRole(id: $id) }", {"id": role})
    assert levels(await member.data(MY_PERMISSIONS), "LEAD", "READ") == {None: "NONE"}


async def test_moving_a_user_to_another_department_changes_their_policy(
    admin: GraphQLClient, member: GraphQLClient, seed: Seed
) -> None:
    role = await create_role(admin, "Root staff")
    await set_level(admin, role, "COMPANY", "READ", "ALL")
    await admin.data(ASSIGN, {"role": role, "department": encode_id("Department", seed.north.id)})
    assert levels(await member.data(MY_PERMISSIONS), "COMPANY", "READ") == {None: "ALL"}
    await admin.data(
        "mutation($id: ID!, $d: ID!) { updateUser(id: $id, input: {departmentId: $d}) { id } }",
        {"id": encode_id("User", seed.member.id), "d": encode_id("Department", seed.sales.id)},
    )
    assert levels(await member.data(MY_PERMISSIONS), "COMPANY", "READ") == {None: "NONE"}


async def test_a_cached_policy_costs_no_statement_and_a_change_costs_one(
    admin: GraphQLClient, member: GraphQLClient, seed: Seed, app: Starlette
) -> None:
    role = await create_role(admin, "Reader")
    await set_level(admin, role, "DEAL", "READ", "ALL")
    await admin.data(ASSIGN, {"role": role, "user": encode_id("User", seed.member.id)})
    query = "{ viewer { email } }"
    counts = []
    for _ in range(3):
        with count_statements(app.state.engine) as log:
            await member.data(query)
        counts.append(log.count)
    # The first request after the change compiles the policy: one statement more.
    assert counts[0] == counts[1] + 1 == counts[2] + 1


async def test_permissions_of_others_are_for_admins(
    admin: GraphQLClient, member: GraphQLClient, seed: Seed
) -> None:
    query = "query($id: ID!) { node(id: $id) { ... on User { permissions { level } } } }"
    head = {"id": encode_id("User", seed.head.id)}
    assert (await member.request(query, head)).code == "FORBIDDEN"
    data = await admin.data(query, head)
    assert {row["level"] for row in data["node"]["permissions"]} == {"NONE"}


async def test_explain_access_names_role_level_and_rule(
    admin: GraphQLClient, seed: Seed, session_factory: SessionFactory
) -> None:
    role = await create_role(admin, "Head of sales")
    await set_level(admin, role, "DEAL", "READ", "SUBDEPARTMENTS")
    await admin.data(ASSIGN, {"role": role, "user": encode_id("User", seed.head.id)})
    async with session_factory() as session:
        stage = await session.scalar(select(DealStage).order_by(DealStage.sort))
        assert stage is not None
        mine = Deal(
            title="North's deal",
            pipeline_id=stage.pipeline_id,
            stage_id=stage.id,
            currency="EUR",
            assigned_to_id=seed.member.id,
            opened=False,
        )
        admins = Deal(
            title="Root's deal",
            pipeline_id=stage.pipeline_id,
            stage_id=stage.id,
            currency="EUR",
            assigned_to_id=seed.admin.id,
            opened=False,
        )
        session.add_all([mine, admins])
        await session.commit()
    query = """query($u: ID!, $n: ID!, $a: Action!) {
      explainAccess(userId: $u, nodeId: $n, action: $a) {
        allowed reason decidedBy { role level rule } } }"""
    head = encode_id("User", seed.head.id)
    allowed = await admin.data(query, {"u": head, "n": encode_id("Deal", mine.id), "a": "READ"})
    assert allowed["explainAccess"] == {
        "allowed": True,
        "reason": "SUBDEPARTMENTS reaches the record",
        "decidedBy": {
            "role": "Head of sales",
            "level": "SUBDEPARTMENTS",
            "rule": "DEAL READ in any status",
        },
    }
    refused = await admin.data(query, {"u": head, "n": encode_id("Deal", admins.id), "a": "READ"})
    assert refused["explainAccess"]["allowed"] is False
    nothing = await admin.data(query, {"u": head, "n": encode_id("Deal", mine.id), "a": "DELETE"})
    assert nothing["explainAccess"]["decidedBy"] is None
    not_a_record = await admin.request(query, {"u": head, "n": head, "a": "READ"})
    assert (not_a_record.code, not_a_record.error_field) == ("BAD_USER_INPUT", "nodeId")
    missing = await admin.request(query, {"u": head, "n": encode_id("Lead", 999), "a": "READ"})
    assert (missing.code, missing.error_field) == ("NOT_FOUND", "nodeId")


async def test_roles_and_user_roles_run_the_same_statements_for_1_and_many(
    admin: GraphQLClient, seed: Seed, app: Starlette
) -> None:
    for index in range(3):
        role = await create_role(admin, f"Role {index}")
        await set_level(admin, role, "LEAD", "READ", "ALL")
        await admin.data(SET_FIELD_RULE, {"role": role, "field": "amount", "rule": "HIDDEN"})
        await admin.data(ASSIGN, {"role": role, "user": encode_id("User", seed.member.id)})
        await admin.data(
            ASSIGN, {"role": role, "department": encode_id("Department", seed.sales.id)}
        )
    roles_query = """query($n: Int) { roles(first: $n) { edges { node {
        name permissions { level } fieldRules { field } stageTransitions { toStageId }
        users { email } departments { name } } } } }"""
    users_query = "query($n: Int) { users(first: $n) { edges { node { roles { name } } } } }"
    for query in (roles_query, users_query):
        counts = []
        for size in (1, 3):
            with count_statements(app.state.engine) as log:
                await admin.data(query, {"n": size})
            counts.append(log.count)
        assert counts[0] == counts[1], query


async def test_a_change_made_on_one_process_bites_on_another(
    admin: GraphQLClient, member: GraphQLClient, seed: Seed, settings: Settings
) -> None:
    other_process = create_app(settings)
    async with other_process.router.lifespan_context(other_process):
        transport = httpx.ASGITransport(app=other_process, client=("127.0.0.1", 50001))
        async with httpx.AsyncClient(transport=transport, base_url="http://crmhub.test") as http:
            elsewhere = GraphQLClient(http, member.token)
            # Compiled and cached there first.
            assert levels(await elsewhere.data(MY_PERMISSIONS), "DEAL", "READ") == {None: "NONE"}
            role = await create_role(admin, "Reader")
            await set_level(admin, role, "DEAL", "READ", "ALL")
            await admin.data(ASSIGN, {"role": role, "user": encode_id("User", seed.member.id)})
            assert levels(await elsewhere.data(MY_PERMISSIONS), "DEAL", "READ") == {None: "ALL"}
