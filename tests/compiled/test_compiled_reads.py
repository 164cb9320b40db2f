"""Compiled reads answer exactly what the resolvers answer, in one statement per root field."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Select, literal_column, select
from starlette.applications import Starlette

from models import AccessAction, AccessLevel, FieldRuleKind, SessionFactory
from models.crm import Company, CrmEntity, Deal
from resolvers.compiled import roots
from resolvers.compiled.config import CompiledReadsMode
from schema import compiled_reads
from tests.client import GraphQLClient
from tests.conftest import logged_in
from tests.crm.factories import crm_records
from tests.factories import Seed, grant_role
from tests.statements import count_statements

DEAL_NODE = """id title amount currency opened probability createdAt updatedAt closedAt
    stage { id name sort semantics } pipeline { name isDefault } company { id title }
    contacts { id firstName lastName }
    assignedTo { id name email }"""
DEALS_PAGE = f"query Deals($n: Int) {{ deals(first: $n) {{ edges {{ node {{ {DEAL_NODE} }} }} }} }}"
READS: dict[str, tuple[str, dict[str, Any]]] = {
    "deals page": (DEALS_PAGE, {"n": 50}),
    "deals search": (
        "query Search($f: DealFilter, $o: [DealOrder!]) {"
        " deals(first: 5, filter: $f, orderBy: $o) { totalCount"
        " pageInfo { hasNextPage hasPreviousPage startCursor endCursor }"
        " edges { cursor node { title amount } } } }",
        {"f": {"title": {"contains": "1"}}, "o": [{"field": "AMOUNT", "direction": "DESC"}]},
    ),
    "companies with deals": (
        "{ companies(first: 10) { edges { node { __typename id title contacts { lastName }"
        " deals { title stage { name } } } } } }",
        {},
    ),
    "contacts with companies": (
        "{ contacts(first: 10) { totalCount edges { node { firstName companies { title } } } } }",
        {},
    ),
    "leads": (
        "{ leads(first: 7) { edges { node { title assignedTo { name } status { name semantics }"
        " source { name } } } } }",
        {},
    ),
    "contacts by name, with cursors": (
        "{ contacts(first: 6, orderBy: [{field: LAST_NAME}]) { pageInfo { startCursor endCursor }"
        " edges { cursor node { lastName } } } }",
        {},
    ),
    "an empty page": (
        '{ deals(first: 5, filter: {title: {contains: "no such deal"}}) { totalCount'
        " pageInfo { hasNextPage startCursor endCursor } edges { cursor } } }",
        {},
    ),
}


def _compiling(app: Starlette, mode: CompiledReadsMode) -> None:
    app.state.services.compiled_reads.mode = mode


@pytest.mark.parametrize("name", sorted(READS))
async def test_compiled_answer_equals_the_resolvers_in_one_statement(
    name: str, admin: GraphQLClient, app: Starlette, session_factory: SessionFactory, seed: Seed
) -> None:
    await crm_records(session_factory, seed, 30)
    query, variables = READS[name]
    _compiling(app, CompiledReadsMode.OFF)
    resolved = await admin.data(query, variables)
    _compiling(app, CompiledReadsMode.ON)
    with count_statements(app.state.engine) as log:
        compiled = await admin.data(query, variables)
    assert compiled == resolved
    assert log.count == 2, log.statements  # the token, then the one statement


async def test_a_second_page_follows_the_cursor(
    admin: GraphQLClient, app: Starlette, session_factory: SessionFactory, seed: Seed
) -> None:
    await crm_records(session_factory, seed, 30)
    _compiling(app, CompiledReadsMode.OFF)
    first = await admin.data("{ deals(first: 4) { pageInfo { endCursor } } }")
    after = first["deals"]["pageInfo"]["endCursor"]
    query = (
        "query P($a: String) { deals(first: 4, after: $a) {"
        " pageInfo { hasNextPage hasPreviousPage endCursor } edges { cursor node { id title } } } }"
    )
    resolved = await admin.data(query, {"a": after})
    _compiling(app, CompiledReadsMode.ON)
    with count_statements(app.state.engine) as log:
        assert await admin.data(query, {"a": after}) == resolved
    assert log.count == 2


MASKED_READS = {
    "deals": "{ deals(first: 30) { edges { node { id title amount company { title"
    " deals { title amount } } contacts { firstName lastName } assignedTo { name } } } } }",
    "companies": "{ companies(first: 30) { edges { node { title deals { title amount }"
    " contacts { lastName } } } } }",
    "contacts": "{ contacts(first: 30) { edges { node { firstName lastName companies { title } }"
    " } } }",
}


@pytest.mark.parametrize("name", sorted(MASKED_READS))
async def test_masks_compile_to_the_resolvers_answer(
    name: str, client: GraphQLClient, app: Starlette, session_factory: SessionFactory, seed: Seed
) -> None:
    """Two roles: one reads everything but hides amounts, a company's deals and last names;
    the other reads only the viewer's own records and hides nothing. A field is shown where
    some role that admits the record does not hide it."""
    await crm_records(session_factory, seed, 30)
    hides = {
        (CrmEntity.DEAL, "amount"): FieldRuleKind.HIDDEN,
        (CrmEntity.COMPANY, "deals"): FieldRuleKind.HIDDEN,
        (CrmEntity.CONTACT, "lastName"): FieldRuleKind.HIDDEN,
    }
    reads = {(entity, AccessAction.READ): AccessLevel.ALL for entity in CrmEntity}
    await grant_role(
        session_factory, "Reads all, hides", reads, user=seed.member, field_rules=hides
    )
    own = {(entity, AccessAction.READ): AccessLevel.OWN for entity in CrmEntity}
    await grant_role(session_factory, "Reads own", own, user=seed.member)
    member = await logged_in(client, seed.member.email)
    _compiling(app, CompiledReadsMode.OFF)
    resolved = await member.data(MASKED_READS[name])
    _compiling(app, CompiledReadsMode.ON)
    with count_statements(app.state.engine) as log:
        assert await member.data(MASKED_READS[name]) == resolved
    assert log.count == 2
    # Both sides of each mask occur: some values shown, some hidden.
    assert "None" in str(resolved)


async def test_a_failing_statement_leaves_the_answer_to_the_resolvers(
    admin: GraphQLClient,
    app: Starlette,
    session_factory: SessionFactory,
    seed: Seed,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A fault of the compiler's SQL costs the client nothing: the resolvers answer, on a
    session the failed statement did not spoil."""
    await crm_records(session_factory, seed, 3)
    _compiling(app, CompiledReadsMode.OFF)
    resolved = await admin.data(DEALS_PAGE, {"n": 3})
    _compiling(app, CompiledReadsMode.ON)
    broken: Select[Any] = select(literal_column("no_such_column")).where(literal_column("1") == 1)
    monkeypatch.setattr(roots, "list_statement", _returning(broken))
    monkeypatch.setattr(compiled_reads, "list_statement", _returning(broken))
    compiled_reads.STATEMENTS.clear()
    assert await admin.data(DEALS_PAGE, {"n": 3}) == resolved
    assert "compiling 'Deals' failed" in caplog.text


def _returning(statement: Any) -> Any:
    async def build(*_args: Any) -> Any:
        return statement

    return build


async def test_a_plain_list_holds_at_most_a_page_compiled_too(
    admin: GraphQLClient, app: Starlette, session_factory: SessionFactory, seed: Seed
) -> None:
    """A company's deals past the hundredth are left out, as the resolvers leave them out;
    the answer is still one statement."""
    await crm_records(session_factory, seed, 1)
    await _deals_of_first_company(session_factory, 120)
    query = "{ companies(first: 1) { edges { node { deals { id } } } } }"
    _compiling(app, CompiledReadsMode.OFF)
    resolved = await admin.data(query)
    _compiling(app, CompiledReadsMode.ON)
    with count_statements(app.state.engine) as log:
        compiled = await admin.data(query)
    assert compiled == resolved
    assert len(compiled["companies"]["edges"][0]["node"]["deals"]) == 100
    assert log.count == 2


async def test_an_answer_past_the_list_budget_is_the_resolvers_error(
    admin: GraphQLClient, app: Starlette, session_factory: SessionFactory, seed: Seed
) -> None:
    """100 deals of one company, each showing the company's 100 deals: 10,100 list items,
    past the operation's 10,000. The compiled answer is counted, found too long, and left
    to the resolvers, whose answer is QUERY_TOO_COMPLEX."""
    await crm_records(session_factory, seed, 1)
    await _deals_of_first_company(session_factory, 120)
    query = "{ deals(first: 100) { edges { node { company { deals { id } } } } } }"
    _compiling(app, CompiledReadsMode.ON)
    response = await admin.request(query)
    assert response.errors and response.errors[0]["extensions"]["code"] == "QUERY_TOO_COMPLEX"


async def _deals_of_first_company(session_factory: SessionFactory, count: int) -> None:
    async with session_factory() as session:
        company = await session.scalar(select(Company).order_by(Company.id).limit(1))
        deal = await session.scalar(select(Deal).order_by(Deal.id).limit(1))
        assert company is not None and deal is not None
        for index in range(count):
            session.add(
                Deal(
                    title=f"More {index:03}",
                    currency="USD",
                    pipeline_id=deal.pipeline_id,
                    stage_id=deal.stage_id,
                    company_id=company.id,
                    created_by_id=deal.created_by_id,
                    created_at=deal.created_at + timedelta(minutes=index + 1),
                )
            )
        await session.commit()
