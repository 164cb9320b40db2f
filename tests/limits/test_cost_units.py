"""The cost of an operation: fields times the items of the lists around them."""

from __future__ import annotations

from graphql import OperationDefinitionNode, parse

from schema import build_schema
from schema.cost import operation_cost
from tests.limits.documents import NESTED_DEALS
from tests.limits.test_cost import NESTED_DEALS_COST

NESTED = (
    "deals(first: 100) { edges { node { company { deals { company { deals { title } } } } } } }"
)


def cost(query: str, variables: dict[str, object] | None = None) -> int:
    document = parse(query)
    operation = document.definitions[0]
    assert isinstance(operation, OperationDefinitionNode)
    return operation_cost(build_schema()._schema, document, operation, variables)


def test_lists_multiply_the_fields_below_them() -> None:
    # title: 1; deals (a plain list weighs 10): 1 + 10 x 1; company: 1 + 11; deals:
    # 1 + 10 x 12; company: +1; node: +1; edges (a page of 100): 1 + 100 x 123; the
    # connection: +1.
    assert cost(f"{{ {NESTED} }}") == 12_302
    # totalCount and pageInfo count once per page, not per item.
    assert cost("{ deals(first: 7) { totalCount edges { node { title } } } }") == 1 + 1 + 1 + 7 * 2


def test_page_sizes_come_from_variables_and_defaults() -> None:
    query = "query($n: Int = 3) { deals(first: $n) { edges { node { title } } } }"
    assert cost(query, {"n": 50}) == 2 + 50 * 2
    assert cost(query, {}) == 2 + 3 * 2
    assert cost("{ deals { edges { node { title } } } }") == 2 + 20 * 2  # the default page


def test_fragments_cost_what_they_select_each_time_they_are_spread() -> None:
    fragments = " ".join(f"fragment F{i} on Query {{ ...F{i + 1} ...F{i + 1} }}" for i in range(60))
    # Computed once per fragment: 2^60 fields in 60 steps.
    assert cost(f"query {{ ...F0 }} {fragments} fragment F60 on Query {{ __typename }}") >= 2**60


def test_the_nested_deals_cost() -> None:
    assert cost(f"{{ {NESTED_DEALS} }}") == NESTED_DEALS_COST
