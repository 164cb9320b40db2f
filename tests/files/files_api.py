"""Uploading and downloading attachments through the public API, as a client would: a
multipart GraphQL request with the preflight header, a GET on the download link."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlsplit

import httpx

from tests.client import GraphQLClient, Response

ATTACH = """
mutation($to: ID!, $file: Upload!) {
  attachFile(to: $to, file: $file) {
    id fileName contentType size sha256 uploadedBy { name } createdAt downloadUrl
  }
}"""
DELETE = "mutation($id: ID!) { deleteAttachment(id: $id) }"
ATTACHMENTS = """
query($id: ID!) { node(id: $id) { ... on Node { id }
  ... on Deal { attachments { id fileName size sha256 downloadUrl } }
  ... on Lead { attachments { id fileName size sha256 downloadUrl } }
  ... on Task { attachments { id fileName size sha256 downloadUrl } }
  ... on Post { attachments { id fileName size sha256 downloadUrl } }
  ... on Comment { attachments { id fileName size sha256 downloadUrl } } } }"""


async def upload(
    client: GraphQLClient,
    to: str,
    content: bytes | IO[bytes],
    name: str = "notes.txt",
    content_type: str = "text/plain",
) -> Response:
    operations = {"query": ATTACH, "variables": {"to": to, "file": None}}
    answer = await client.http.post(
        "/graphql",
        data={"operations": json.dumps(operations), "map": json.dumps({"0": ["variables.file"]})},
        files={"0": (name, content, content_type)},
        headers={"GraphQL-Preflight": "1", "Authorization": f"Bearer {client.token}"},
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    return Response(data=body.get("data"), errors=body.get("errors") or [])


async def attached(
    client: GraphQLClient, to: str, content: bytes | IO[bytes], name: str = "notes.txt"
) -> dict[str, Any]:
    response = await upload(client, to, content, name)
    assert not response.errors, response.errors
    assert response.data is not None
    result: dict[str, Any] = response.data["attachFile"]
    return result


async def listed(client: GraphQLClient, owner: str) -> list[dict[str, Any]] | None:
    node = (await client.data(ATTACHMENTS, {"id": owner}))["node"]
    return None if node is None else node["attachments"]


async def download(client: GraphQLClient, url: str) -> httpx.Response:
    """GET a link as a browser would: no Authorization header."""
    return await client.http.get(urlsplit(url).path)


def sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def stored_files(root: Path) -> list[Path]:
    return [path for path in root.rglob("*") if path.is_file()]
