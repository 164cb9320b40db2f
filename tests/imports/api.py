"""Starting imports through the public API (a multipart request, as upload clients send
it), running the worker, and reading jobs and rows back."""

from __future__ import annotations

import json
from typing import Any

from starlette.applications import Starlette

from tests.client import GraphQLClient, Response

START = """
mutation($entity: AccessEntity!, $file: Upload!, $mapping: [ImportColumn!], $dryRun: Boolean!,
         $duplicates: ImportDuplicates!, $encoding: String, $delimiter: String) {
  startImport(entity: $entity, file: $file, mapping: $mapping, dryRun: $dryRun,
              duplicates: $duplicates, encoding: $encoding, delimiter: $delimiter) {
    id status dryRun
  }
}"""
JOB = """
query($id: ID!, $outcome: ImportOutcome) {
  importJob(id: $id) {
    id status dryRun error total processed created updated skipped failed progress
    fileFormat encoding delimiter
    columns { column field status }
    rows(first: 100, outcome: $outcome) {
      totalCount
      edges { node { row outcome recordId errors { field message } } }
    }
  }
}"""


async def start(
    client: GraphQLClient,
    entity: str,
    content: bytes,
    filename: str = "file.csv",
    *,
    dry_run: bool = False,
    duplicates: str = "SKIP",
    mapping: list[dict[str, Any]] | None = None,
    encoding: str | None = None,
    delimiter: str | None = None,
) -> Response:
    operations = {
        "query": START,
        "variables": {
            "entity": entity,
            "file": None,
            "mapping": mapping,
            "dryRun": dry_run,
            "duplicates": duplicates,
            "encoding": encoding,
            "delimiter": delimiter,
        },
    }
    headers = {"GraphQL-Preflight": "1"}
    if client.token:
        headers["Authorization"] = f"Bearer {client.token}"
    answer = await client.http.post(
        "/graphql",
        data={"operations": json.dumps(operations), "map": json.dumps({"0": ["variables.file"]})},
        files={"0": (filename, content, "application/octet-stream")},
        headers=headers,
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    return Response(data=body.get("data"), errors=body.get("errors") or [])


async def started(client: GraphQLClient, entity: str, content: bytes, **options: Any) -> str:
    answer = await start(client, entity, content, **options)
    assert not answer.errors, answer.errors
    assert answer.data is not None
    job_id: str = answer.data["startImport"]["id"]
    return job_id


async def job(client: GraphQLClient, job_id: str, outcome: str | None = None) -> dict[str, Any]:
    data = await client.data(JOB, {"id": job_id, "outcome": outcome})
    found: dict[str, Any] = data["importJob"]
    return found


async def finish(app: Starlette, client: GraphQLClient, job_id: str) -> dict[str, Any]:
    """Runs the worker until no job waits; the job as it ended."""
    await app.state.imports.run_once()
    return await job(client, job_id)


async def imported(
    app: Starlette, client: GraphQLClient, entity: str, content: bytes, **options: Any
) -> dict[str, Any]:
    return await finish(app, client, await started(client, entity, content, **options))


def outcomes(found: dict[str, Any]) -> list[str]:
    return [edge["node"]["outcome"] for edge in found["rows"]["edges"]]


def errors(found: dict[str, Any]) -> list[list[tuple[str | None, str]]]:
    return [
        [(item["field"], item["message"]) for item in edge["node"]["errors"]]
        for edge in found["rows"]["edges"]
    ]
