"""A GraphQL client over httpx's ASGITransport: the public API, no network."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import httpx


class GraphQLErrors(AssertionError):
    pass


@dataclass
class Response:
    data: dict[str, Any] | None
    errors: list[dict[str, Any]] = field(default_factory=list)

    @property
    def codes(self) -> list[str]:
        return [error.get("extensions", {}).get("code", "") for error in self.errors]

    @property
    def code(self) -> str:
        assert len(self.errors) == 1, self.errors
        return self.codes[0]

    def is_null(self, name: str = "node") -> bool:
        """The root field ``name`` answered null, without an error: what ``node(id:)``
        answers for an object that does not exist or that the viewer may not see."""
        return not self.errors and self.data is not None and self.data.get(name, ...) is None

    @property
    def error_field(self) -> str | None:
        assert len(self.errors) == 1, self.errors
        field_name: str | None = self.errors[0].get("extensions", {}).get("field")
        return field_name


@dataclass
class GraphQLClient:
    http: httpx.AsyncClient
    token: str | None = None

    async def request(
        self, query: str, variables: dict[str, Any] | None = None, *, token: str | None = None
    ) -> Response:
        headers = {}
        bearer = token or self.token
        if bearer:
            headers["Authorization"] = f"Bearer {bearer}"
        answer = await self.http.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
        )
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert "traceback" not in answer.text.lower()
        return Response(data=body.get("data"), errors=body.get("errors") or [])

    async def data(
        self, query: str, variables: dict[str, Any] | None = None, *, token: str | None = None
    ) -> dict[str, Any]:
        """The data of a query expected to succeed."""
        response = await self.request(query, variables, token=token)
        if response.errors:
            raise GraphQLErrors(response.errors)
        assert response.data is not None
        return response.data

    async def login(self, email: str, password: str = "demo") -> str:
        data = await self.data(
            "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }",
            {"e": email, "p": password},
        )
        token: str = data["login"]["token"]
        return token

    def as_user(self, token: str) -> GraphQLClient:
        return GraphQLClient(self.http, token)
