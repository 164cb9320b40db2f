"""Compiled reads answer exactly what the resolvers answer, in one statement per root field."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.applications import Starlette

from models import SessionFactory
from resolvers.compiled.config import CompiledReadsMode
from tests.client import GraphQLClient
from tests.crm.factories import crm_records
from tests.factories import Seed
from tests.statements import count_statements

DEAL_NODE = """id title amount currency opened probability
    stage { id name } company { id title } contacts { id firstName lastName }
    assignedTo { id name email }"""
DEALS_PAGE = f"query Deals($n: Int) {{ deals(first: $n) {{ edges {{ node {{ {DEAL_NODE} }} }} }} }}"
READS: dict[str, tuple[str, dict[str, Any]]] = {
    "deals page": (DEALS_PAGE, {"n": 50}),
    "deals search": (
        "query Search($f: DealFilter, $o: [DealOrder!]) {"
        " deals(first: 5, filter: $f, orderBy: $o) { totalCount"
        " pageInfo { hasNextPage hasPreviousPage } edges { node { title amount } } } }",
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
    "leads": ("{ leads(first: 7) { edges { node { title assignedTo { name } } } } }", {}),
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
        " pageInfo { hasNextPage hasPreviousPage } edges { node { id title } } } }"
    )
    resolved = await admin.data(query, {"a": after})
    _compiling(app, CompiledReadsMode.ON)
    with count_statements(app.state.engine) as log:
        assert await admin.data(query, {"a": after}) == resolved
    assert log.count == 2
