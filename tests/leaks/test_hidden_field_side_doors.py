"""A field hidden from the viewer stays hidden behind every side door: searches, filters
(nested too), `allowedStages`, `moveDeal` and `access.readOnlyFields`."""

from __future__ import annotations

from typing import Any

from tests.client import GraphQLClient
from tests.leaks.conftest import LogIn

ROLES = "{ roles(first: 10) { edges { node { id name } } } }"
RULE = """mutation($role: ID!, $entity: AccessEntity!, $field: String!, $status: ID) {
  setFieldRule(roleId: $role, entity: $entity, field: $field, rule: HIDDEN, statusId: $status) {
    id } }"""
ME = "{ viewer { id } }"
OWN_DEAL = """query($me: ID!) { deals(first: 1, filter: {assignedToId: {eq: $me}}) {
  edges { node { id stage { id } allowedStages { id } access { readOnlyFields } } } } }"""
MOVE = "mutation($id: ID!, $stage: ID!) { moveDeal(id: $id, stageId: $stage) { id } }"
A_COMPANY = "{ companies(first: 1) { edges { node { id title } } } }"
TYPE_FIELDS = "query($name: String!) { __type(name: $name) { fields { name } } }"


async def _hide(admin: GraphQLClient, entity: str, field: str, status: str | None = None) -> None:
    roles = {
        edge["node"]["name"]: edge["node"]["id"]
        for edge in (await admin.data(ROLES))["roles"]["edges"]
    }
    await admin.data(
        RULE,
        {"role": roles["Sales manager"], "entity": entity, "field": field, "status": status},
    )


async def _refused(user: GraphQLClient, query: str, field: str, **variables: Any) -> None:
    answer = await user.request(query, variables)
    assert (answer.code, answer.error_field) == ("FORBIDDEN", field), query


async def test_a_hidden_deal_title_cannot_be_searched(demo: LogIn) -> None:
    admin = await demo("admin@example.com")
    await _hide(admin, "DEAL", "title")
    maria = await demo("maria.ivanova@example.com")
    await _refused(maria, '{ deals(filter: {search: "a"}) { totalCount } }', "filter.search")
    await _refused(
        maria,
        '{ deals(filter: {not: {or: [{search: "a"}]}}) { totalCount } }',
        "filter.search",
    )


async def test_a_deal_search_does_not_read_a_hidden_company_title(demo: LogIn) -> None:
    admin = await demo("admin@example.com")
    await _hide(admin, "COMPANY", "title")
    maria = await demo("maria.ivanova@example.com")
    await _refused(maria, '{ deals(filter: {search: "a"}) { totalCount } }', "filter.search")
    await _refused(maria, '{ companies(filter: {search: "a"}) { totalCount } }', "filter.search")


async def test_hidden_contact_companies_cannot_be_filtered_on(demo: LogIn) -> None:
    admin = await demo("admin@example.com")
    await _hide(admin, "CONTACT", "companies")
    maria = await demo("maria.ivanova@example.com")
    (edge,) = (await maria.data(A_COMPANY))["companies"]["edges"]
    company = edge["node"]["id"]
    for filter in (
        "{companyId: {eq: $c}}",
        "{companyId: {in: [$c]}}",
        "{not: {or: [{and: [{companyId: {eq: $c}}]}]}}",
    ):
        await _refused(
            maria,
            f"query($c: ID!) {{ contacts(filter: {filter}) {{ totalCount }} }}",
            "filter.companyId",
            c=company,
        )


async def test_a_hidden_stage_is_not_told_by_allowed_stages_nor_by_a_move(demo: LogIn) -> None:
    admin = await demo("admin@example.com")
    maria = await demo("maria.ivanova@example.com")
    me = (await maria.data(ME))["viewer"]["id"]
    (before,) = (await maria.data(OWN_DEAL, {"me": me}))["deals"]["edges"]
    assert before["node"]["allowedStages"]  # she may move it while she sees its stage
    await _hide(admin, "DEAL", "stage")

    (edge,) = (await maria.data(OWN_DEAL, {"me": me}))["deals"]["edges"]
    deal = edge["node"]
    assert deal["stage"] is None
    assert deal["allowedStages"] == []
    current = before["node"]["stage"]["id"]
    await _refused(maria, MOVE, "stageId", id=deal["id"], stage=current)
    await _refused(
        maria, MOVE, "stageId", id=deal["id"], stage=before["node"]["allowedStages"][0]["id"]
    )
    await _refused(
        maria,
        "query($s: ID!) { deals(filter: {stageId: {eq: $s}}) { totalCount } }",
        "filter.stageId",
        s=current,
    )


async def test_read_only_fields_are_fields_of_the_entity(demo: LogIn) -> None:
    intern = await demo("nikita.novikov@example.com")  # no UPDATE: every field is read-only
    for type_name, entity_list in (
        ("Deal", "deals"),
        ("Contact", "contacts"),
        ("Company", "companies"),
        ("Lead", "leads"),
    ):
        fields = {
            field["name"]
            for field in (await intern.data(TYPE_FIELDS, {"name": type_name}))["__type"]["fields"]
        }
        query = "{ LIST(first: 5) { edges { node { access { readOnlyFields } } } } }"
        page = await intern.data(query.replace("LIST", entity_list))
        edges = page[entity_list]["edges"]
        assert edges, type_name
        for edge in edges:
            read_only = set(edge["node"]["access"]["readOnlyFields"])
            assert read_only and read_only <= fields, (type_name, read_only - fields)
