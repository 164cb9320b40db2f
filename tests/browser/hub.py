"""The hub the browser talks to: `crmhub serve` with the demo data, in a process of its own
that a test may restart on the same port, and the GraphQL API the tests act through as
other users do."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from tests.live_server import free_port
from tests.served_process import crmhub_serve

ADMIN = "admin@example.com"
HEAD_OF_SALES = "irina.volkova@example.com"
INTERN = "nikita.novikov@example.com"


class Hub:
    def __init__(self, database_url: str, folder: Path, broadcast_url: str) -> None:
        self.database_url = database_url
        self.folder = folder
        self.broadcast_url = broadcast_url
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._running: contextlib.ExitStack | None = None
        self._tokens: dict[str, str] = {}

    def start(self) -> None:
        stack = contextlib.ExitStack()
        stack.enter_context(
            crmhub_serve(
                self.database_url, self.folder, port=self.port, broadcast_url=self.broadcast_url
            )
        )
        self._running = stack

    def stop(self) -> None:
        if self._running is not None:
            self._running.close()
            self._running = None

    def graphql(self, query: str, variables: dict[str, Any] | None = None, *, token: str) -> Any:
        answer = httpx.post(
            f"{self.url}/graphql",
            json={"query": query, "variables": variables or {}},
            headers={"Authorization": f"Bearer {token}"},
            timeout=10,
        )
        body = answer.json()
        assert not body.get("errors"), body
        return body["data"]

    def token(self, email: str) -> str:
        """A token of ``email``'s own (the page logs in for itself), kept for the session."""
        if email not in self._tokens:
            self._tokens[email] = _login(self.url, email)
        return self._tokens[email]

    def as_user(self, email: str, query: str, variables: dict[str, Any] | None = None) -> Any:
        return self.graphql(query, variables, token=self.token(email))


def _login(url: str, email: str) -> str:
    answer = httpx.post(
        f"{url}/graphql",
        json={
            "query": 'mutation($e: String!) { login(email: $e, password: "demo") { token } }',
            "variables": {"e": email},
        },
        timeout=10,
    )
    return str(answer.json()["data"]["login"]["token"])


@dataclass(frozen=True)
class Deal:
    id: str
    title: str
    stage_id: str
    allowed_stage_ids: tuple[str, ...]


BOARD = """
query($pipeline: ID!) {
  deals(first: 100, filter: {pipelineId: {eq: $pipeline}}) {
    edges { node { id title stage { id semantics } allowedStages { id semantics } } }
  }
}"""


def pipelines(hub: Hub, email: str) -> list[dict[str, Any]]:
    answer = hub.as_user(email, "{ pipelines { id isDefault stages { id name semantics } } }")
    return list(answer["pipelines"])


def default_pipeline(hub: Hub, email: str) -> dict[str, Any]:
    return next(p for p in pipelines(hub, email) if p["isDefault"])


def movable_deals(hub: Hub, email: str) -> list[Deal]:
    """Open deals of the default pipeline ``email`` may move to another open stage."""
    pipeline = default_pipeline(hub, email)
    edges = hub.as_user(email, BOARD, {"pipeline": pipeline["id"]})["deals"]["edges"]
    found = []
    for node in (edge["node"] for edge in edges):
        if node["stage"] is None or node["stage"]["semantics"] != "PROCESS":
            continue
        targets = tuple(
            stage["id"]
            for stage in node["allowedStages"]
            if stage["semantics"] == "PROCESS" and stage["id"] != node["stage"]["id"]
        )
        if targets:
            found.append(Deal(node["id"], node["title"], node["stage"]["id"], targets))
    return found


def stage_of(hub: Hub, deal_id: str) -> str:
    node = hub.as_user(
        ADMIN, "query($id: ID!) { node(id: $id) { ... on Deal { stage { id } } } }", {"id": deal_id}
    )
    return str(node["node"]["stage"]["id"])


MOVE = "mutation($id: ID!, $stage: ID!) { moveDeal(id: $id, stageId: $stage) { id } }"
POST = """mutation($body: String!, $recipients: [RecipientInput!]!) {
  createPost(input: {body: $body, recipients: $recipients}) { id }
}"""

STAGE_TOTALS = """
query($pipeline: ID!) {
  dealReport(filter: {pipelineId: {eq: $pipeline}}, groupBy: [STAGE]) {
    unreadableStageIds
    groups { key { stageId } count }
  }
}"""
FUNNEL = """
query($pipeline: ID!) { funnel(pipelineId: $pipeline) { won lost stages { stageId reached } } }"""


def stage_counts(hub: Hub, email: str, pipeline: dict[str, Any]) -> dict[str, int | None]:
    """Deals ``email`` may read per stage of ``pipeline`` (0 where there are none, None in a
    stage where they may read no deal)."""
    report = hub.as_user(email, STAGE_TOTALS, {"pipeline": pipeline["id"]})["dealReport"]
    counts: dict[str, int | None] = {stage["id"]: 0 for stage in pipeline["stages"]}
    counts.update({group["key"]["stageId"]: group["count"] for group in report["groups"]})
    # The report names unreadable stages of every pipeline, whatever its filter.
    counts.update(dict.fromkeys(set(report["unreadableStageIds"]) & counts.keys()))
    return counts


def funnel_of(hub: Hub, email: str, pipeline: dict[str, Any]) -> dict[str, Any]:
    return dict(hub.as_user(email, FUNNEL, {"pipeline": pipeline["id"]})["funnel"])
