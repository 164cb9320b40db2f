"""The parse and validation caches hit on repeated documents (issue #7: they never did)."""

from __future__ import annotations

from typing import Any

import pytest
import strawberry.schema.schema as strawberry_schema

from tests.client import GraphQLClient


async def test_five_identical_requests_validate_once(
    admin: GraphQLClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = 0
    validate = strawberry_schema.validate  # type: ignore[attr-defined]

    def counting_validate(*args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        return validate(*args, **kwargs)

    monkeypatch.setattr(strawberry_schema, "validate", counting_validate)
    # A document no other test sends, so the process-wide cache starts cold for it.
    query = "query CacheProbe { users(first: 2) { edges { node { name } } } }"
    for _ in range(5):
        data = await admin.data(query)
        assert len(data["users"]["edges"]) == 2
    assert calls == 1


async def test_depth_and_alias_limits_still_refuse(admin: GraphQLClient) -> None:
    deep = "{ viewer " + "{ department " * 13 + "{ name }" + " }" * 13 + " }"
    aliases = "{ " + " ".join(f"a{i}: viewer {{ name }}" for i in range(31)) + " }"
    for query in (deep, aliases):
        response = await admin.request(query)
        assert response.errors, query
