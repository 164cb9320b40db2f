"""Saved views through the public API: who sees a view, who may change it, what a bad one
answers, and what applying one shows.

The oracle is the plain list: for every viewer, ``deals(view: V)`` answers what
``deals(filter: F, orderBy: O)`` answers them for the view's own filter and order — a view
widens no right, and shows each viewer their own READ set under their own field rules.
"""

from __future__ import annotations

from typing import Any

import pytest
from starlette.applications import Starlette

from models import AccessAction, AccessLevel, FieldRuleKind, SessionFactory
from models.crm import CrmEntity
from tests.client import GraphQLClient
from tests.collaboration.factories import Company, Users
from tests.crm.factories import crm_records
from tests.factories import grant_role
from tests.statements import count_statements

DEAL, LEAD = CrmEntity.DEAL, CrmEntity.LEAD
READ, UPDATE, EXPORT = AccessAction.READ, AccessAction.UPDATE, AccessAction.EXPORT

CREATE = """
mutation($input: SavedViewInput!) {
  createSavedView(input: $input) {
    id name entity sharing filter orderBy search columns canChange owner { email }
  }
}"""
UPDATE_VIEW = """
mutation($id: ID!, $input: SavedViewPatch!) {
  updateSavedView(id: $id, input: $input) { id name sharing filter canChange }
}"""
DELETE = "mutation($id: ID!) { deleteSavedView(id: $id) }"
VIEWS = """
query($entity: AccessEntity!) { savedViews(entity: $entity) { id name canChange } }"""
DEALS = """
query($f: DealFilter, $o: [DealOrder!], $v: ID) {
  deals(first: 100, filter: $f, orderBy: $o, view: $v) {
    totalCount edges { node { id title amount } }
  }
}"""
VIEW_FILTER = {"amount": {"gte": "30"}, "not": {"title": {"eq": "Deal 009"}}}
VIEW_ORDER = [{"field": "AMOUNT", "direction": "DESC"}]


@pytest.fixture
async def people(
    company: Company, session_factory: SessionFactory, users: Users
) -> dict[str, GraphQLClient]:
    """Mia (North) reads her own deals, Hugo (head of Sales) his department's and below,
    Nina (North) her department's without amounts, Sam (South) and Owen (Marketing) all;
    the admin is Ada. Twelve deals, spread over Ada, Hugo and Mia."""
    await crm_records(session_factory, company.seed, 12)
    crm = [DEAL, LEAD]
    grants: list[tuple[str, Any, AccessLevel, dict[Any, FieldRuleKind] | None]] = [
        ("Mia", company.mia, AccessLevel.OWN, None),
        ("Hugo", company.hugo, AccessLevel.SUBDEPARTMENTS, None),
        ("Nina", company.nina, AccessLevel.DEPARTMENT, {(DEAL, "amount"): FieldRuleKind.HIDDEN}),
        ("Sam", company.sam, AccessLevel.ALL, None),
        ("Owen", company.owen, AccessLevel.ALL, None),
    ]
    for name, user, level, rules in grants:
        levels = {(entity, action): level for entity in crm for action in (READ, UPDATE, EXPORT)}
        await grant_role(session_factory, name, levels, user=user, field_rules=rules)
    return {
        "mia": await users(company.mia),
        "hugo": await users(company.hugo),
        "nina": await users(company.nina),
        "sam": await users(company.sam),
        "owen": await users(company.owen),
        "ada": await users(company.ada),
    }


async def create_view(client: GraphQLClient, **input: Any) -> dict[str, Any]:
    data = await client.data(CREATE, {"input": {"entity": "DEAL", **input}})
    view: dict[str, Any] = data["createSavedView"]
    return view


async def view_names(client: GraphQLClient, entity: str = "DEAL") -> set[str]:
    data = await client.data(VIEWS, {"entity": entity})
    return {view["name"] for view in data["savedViews"]}


def ids(data: dict[str, Any]) -> list[str]:
    return [edge["node"]["id"] for edge in data["deals"]["edges"]]


async def test_a_view_is_seen_by_its_owner_their_department_or_everyone(
    people: dict[str, GraphQLClient],
) -> None:
    mia = people["mia"]
    for sharing in ("PERSONAL", "DEPARTMENT", "EVERYONE"):
        view = await create_view(mia, name=sharing.title(), sharing=sharing)
        assert view["owner"]["email"] == "member@example.com"
        assert view["canChange"] is True
    await mia.data(CREATE, {"input": {"entity": "LEAD", "name": "Leads", "sharing": "EVERYONE"}})

    assert await view_names(mia) == {"Personal", "Department", "Everyone"}
    # Nina is in Mia's department (North); Hugo heads the department above it: a department
    # view is for the owner's department itself, not the ones above or below.
    assert await view_names(people["nina"]) == {"Department", "Everyone"}
    assert await view_names(people["hugo"]) == {"Everyone"}
    assert await view_names(people["owen"]) == {"Everyone"}
    assert await view_names(people["ada"]) == {"Everyone"}
    assert await view_names(people["owen"], "LEAD") == {"Leads"}


async def test_a_view_one_may_not_see_is_not_found(people: dict[str, GraphQLClient]) -> None:
    personal = await create_view(people["mia"], name="Mine", filter={"deal": VIEW_FILTER})
    answer = await people["owen"].request(DEALS, {"v": personal["id"]})
    assert answer.code == "NOT_FOUND" and answer.error_field == "view"
    node = await people["owen"].request(
        "query($id: ID!) { node(id: $id) { id } }", {"id": personal["id"]}
    )
    assert node.is_null()
    for document, variables in (
        (UPDATE_VIEW, {"id": personal["id"], "input": {"name": "Taken"}}),
        (DELETE, {"id": personal["id"]}),
    ):
        assert (await people["owen"].request(document, variables)).code == "NOT_FOUND"


async def test_a_shared_view_shows_each_viewer_their_own_read_set(
    people: dict[str, GraphQLClient],
) -> None:
    view = await create_view(
        people["sam"],
        name="Big ones",
        sharing="EVERYONE",
        filter={"deal": VIEW_FILTER},
        orderBy={"deal": VIEW_ORDER},
    )
    assert view["filter"] == VIEW_FILTER
    assert view["orderBy"] == VIEW_ORDER
    counts = {}
    for name in ("mia", "hugo", "sam", "owen"):
        client = people[name]
        applied = await client.data(DEALS, {"v": view["id"]})
        plain = await client.data(DEALS, {"f": VIEW_FILTER, "o": VIEW_ORDER})
        assert applied == plain, name
        counts[name] = applied["deals"]["totalCount"]
    # Deals 3..11 but 9 (amounts 30..110), spread over Ada, Hugo and Mia.
    assert counts == {"mia": 3, "hugo": 6, "sam": 8, "owen": 8}


async def test_an_explicit_filter_ands_with_the_view_and_an_explicit_order_wins(
    people: dict[str, GraphQLClient],
) -> None:
    sam = people["sam"]
    view = await create_view(
        sam,
        name="Big",
        sharing="EVERYONE",
        filter={"deal": VIEW_FILTER},
        orderBy={"deal": VIEW_ORDER},
        search="Deal",
    )
    explicit = {"amount": {"lte": "80"}}
    order = [{"field": "TITLE", "direction": "ASC"}]
    applied = await sam.data(DEALS, {"v": view["id"], "f": explicit, "o": order})
    both = {"and": [explicit, VIEW_FILTER], "search": "Deal"}
    assert applied == await sam.data(DEALS, {"f": both, "o": order})
    assert [edge["node"]["title"] for edge in applied["deals"]["edges"]] == [
        "Deal 003",
        "Deal 004",
        "Deal 005",
        "Deal 006",
        "Deal 007",
        "Deal 008",
    ]
    # Without an explicit order, the view's.
    by_view_order = await sam.data(DEALS, {"v": view["id"], "f": explicit})
    assert by_view_order == await sam.data(DEALS, {"f": both, "o": VIEW_ORDER})


async def test_a_view_filtering_on_a_field_hidden_from_the_viewer_is_refused_as_the_list_is(
    people: dict[str, GraphQLClient],
) -> None:
    view = await create_view(
        people["mia"], name="Big", sharing="DEPARTMENT", filter={"deal": VIEW_FILTER}
    )
    nina = people["nina"]
    applied = await nina.request(DEALS, {"v": view["id"]})
    plain = await nina.request(DEALS, {"f": VIEW_FILTER})
    assert applied.code == plain.code == "FORBIDDEN"
    assert applied.error_field == plain.error_field == "filter.amount"
    # Nor may she save one.
    mine = await nina.request(
        CREATE, {"input": {"entity": "DEAL", "name": "x", "filter": {"deal": VIEW_FILTER}}}
    )
    assert mine.code == "FORBIDDEN"
    # A view on fields she may see shows her department's deals, amounts never.
    titled = await create_view(
        people["mia"],
        name="Titled",
        sharing="DEPARTMENT",
        filter={"deal": {"title": {"startsWith": "Deal"}}},
    )
    data = await nina.data(DEALS, {"v": titled["id"]})
    assert data == await nina.data(DEALS, {"f": {"title": {"startsWith": "Deal"}}})
    assert data["deals"]["totalCount"] == 4
    assert all(edge["node"]["amount"] is None for edge in data["deals"]["edges"])


async def test_only_the_owner_or_an_admin_changes_a_view(
    people: dict[str, GraphQLClient],
) -> None:
    view = await create_view(people["mia"], name="Team", sharing="DEPARTMENT")
    nina = people["nina"]
    [seen] = (await nina.data(VIEWS, {"entity": "DEAL"}))["savedViews"]
    assert seen["canChange"] is False
    patch = {"id": view["id"], "input": {"name": "Mine now", "sharing": "EVERYONE"}}
    assert (await nina.request(UPDATE_VIEW, patch)).code == "FORBIDDEN"
    assert (await nina.request(DELETE, {"id": view["id"]})).code == "FORBIDDEN"
    assert await view_names(people["mia"]) == {"Team"}
    assert await view_names(people["owen"]) == set()

    changed = await people["mia"].data(
        UPDATE_VIEW,
        {
            "id": view["id"],
            "input": {"sharing": "EVERYONE", "filter": {"deal": {"title": {"eq": "Deal 001"}}}},
        },
    )
    assert changed["updateSavedView"]["name"] == "Team"
    assert changed["updateSavedView"]["filter"] == {"title": {"eq": "Deal 001"}}
    assert await view_names(people["owen"]) == {"Team"}
    # An administrator may change or delete anyone's view.
    renamed = await people["ada"].data(UPDATE_VIEW, {"id": view["id"], "input": {"name": "Tidied"}})
    assert renamed["updateSavedView"]["canChange"] is True
    assert (await people["ada"].data(DELETE, {"id": view["id"]}))["deleteSavedView"] == view["id"]
    assert await view_names(people["mia"]) == set()


@pytest.mark.parametrize(
    ("input", "field"),
    [
        (
            {"filter": {"deal": {"custom": [{"field": "UF_NOPE", "eq": "x"}]}}},
            "filter.deal.UF_NOPE",
        ),
        ({"filter": {"lead": {"title": {"eq": "x"}}}}, "filter.lead"),
        ({"orderBy": {"deal": [{"custom": "UF_NOPE"}]}}, "orderBy"),
        ({"orderBy": {"deal": [{"field": "AMOUNT"}, {"field": "AMOUNT"}]}}, "orderBy"),
        ({"columns": ["title", "nope"]}, "columns"),
        ({"filter": {"deal": {"amount": {"gte": "1e30"}}}}, "filter.deal.amount"),
        ({"name": "  "}, "name"),
    ],
)
async def test_a_bad_view_is_refused_naming_the_field(
    people: dict[str, GraphQLClient], input: dict[str, Any], field: str
) -> None:
    answer = await people["sam"].request(
        CREATE, {"input": {"entity": "DEAL", "name": "v", **input}}
    )
    assert answer.code == "BAD_USER_INPUT", answer.errors
    assert answer.error_field == field
    assert await view_names(people["sam"]) == set()


async def test_an_unknown_filter_field_is_refused_by_the_input_type(
    people: dict[str, GraphQLClient],
) -> None:
    answer = await people["sam"].request(
        CREATE,
        {"input": {"entity": "DEAL", "name": "v", "filter": {"deal": {"nope": {"eq": "x"}}}}},
    )
    assert answer.errors and answer.codes[0] == "BAD_USER_INPUT"
    assert "nope" in answer.errors[0]["message"]


async def test_a_view_of_another_entity_is_bad_input(people: dict[str, GraphQLClient]) -> None:
    data = await people["sam"].data(
        CREATE, {"input": {"entity": "LEAD", "name": "Leads", "sharing": "EVERYONE"}}
    )
    answer = await people["sam"].request(DEALS, {"v": data["createSavedView"]["id"]})
    assert answer.code == "BAD_USER_INPUT" and answer.error_field == "view"


async def test_exports_and_reports_take_a_view(people: dict[str, GraphQLClient]) -> None:
    mia = people["mia"]
    view = await create_view(
        mia, name="Cols", filter={"deal": VIEW_FILTER}, columns=["title", "amount"]
    )
    link = await mia.data(
        "mutation($v: ID) { exportDeals(format: CSV, view: $v) { columns } }", {"v": view["id"]}
    )
    assert link["exportDeals"]["columns"] == ["title", "amount"]
    shared = await create_view(
        people["sam"], name="Shared", sharing="EVERYONE", filter={"deal": VIEW_FILTER}
    )
    report = (
        "query($v: ID, $f: DealFilter) { dealReport(view: $v, filter: $f) { groups { count } } }"
    )
    funnel = "query($v: ID, $f: DealFilter) { funnel(view: $v, filter: $f) { deals } }"
    counted = []
    for client in (mia, people["hugo"], people["sam"]):
        by_view = await client.data(report, {"v": shared["id"]})
        assert by_view == await client.data(report, {"f": VIEW_FILTER})
        in_funnel = await client.data(funnel, {"v": shared["id"]})
        assert in_funnel == await client.data(funnel, {"f": VIEW_FILTER})
        counted.append(in_funnel["funnel"]["deals"])
    # Each their own READ set.
    assert counted == [3, 6, 8]


async def test_listing_views_and_applying_one_cost_the_same_whatever_their_number(
    people: dict[str, GraphQLClient], app: Starlette
) -> None:
    sam = people["sam"]
    first = await create_view(sam, name="v0", sharing="EVERYONE", filter={"deal": VIEW_FILTER})
    with count_statements(app.state.engine) as few:
        await sam.data(VIEWS, {"entity": "DEAL"})
    with count_statements(app.state.engine) as applied_few:
        await sam.data(DEALS, {"v": first["id"]})
    for i in range(1, 8):
        await create_view(people["mia"], name=f"v{i}", sharing="EVERYONE")
    with count_statements(app.state.engine) as many:
        data = await sam.data(VIEWS, {"entity": "DEAL"})
    assert len(data["savedViews"]) == 8
    with count_statements(app.state.engine) as applied_many:
        await sam.data(DEALS, {"v": first["id"]})
    assert many.count == few.count
    assert applied_many.count == applied_few.count


async def test_lead_lists_and_reports_take_a_lead_view(people: dict[str, GraphQLClient]) -> None:
    filter = {"title": {"startsWith": "Lead 00"}}
    view = await people["sam"].data(
        CREATE,
        {
            "input": {
                "entity": "LEAD",
                "name": "Early",
                "sharing": "EVERYONE",
                "filter": {"lead": filter},
                "orderBy": {"lead": [{"field": "TITLE", "direction": "DESC"}]},
            }
        },
    )
    view_id = view["createSavedView"]["id"]
    leads = """query($v: ID, $f: LeadFilter, $o: [LeadOrder!]) {
      leads(first: 50, view: $v, filter: $f, orderBy: $o) { totalCount edges { node { id } } }
      leadReport(view: $v, filter: $f) { count }
    }"""
    order = [{"field": "TITLE", "direction": "DESC"}]
    for name in ("mia", "sam"):
        client = people[name]
        by_view = await client.data(leads, {"v": view_id})
        assert by_view == await client.data(leads, {"f": filter, "o": order}), name
    assert (await people["sam"].data(leads, {"v": view_id}))["leads"]["totalCount"] == 10
    # A lead view is not a deal view.
    answer = await people["sam"].request(
        "mutation($v: ID) { exportDeals(format: CSV, view: $v) { url } }", {"v": view_id}
    )
    assert answer.code == "BAD_USER_INPUT" and answer.error_field == "view"
