"""Multipart GraphQL requests (the upload spec): every malformed part refused with a coded
error naming it, the preflight header required, and the upload size limit its own."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from crmhub.app import create_app
from crmhub.settings import Settings

PREFLIGHT = {"GraphQL-Preflight": "1"}
TYPENAME = {"query": "{ __typename }", "variables": {"file": None}}


@pytest.fixture
async def http(settings: Settings, engine: AsyncEngine) -> AsyncIterator[httpx.AsyncClient]:
    limited = settings.model_copy(
        update={"max_body_bytes": 16 * 1024, "max_upload_bytes": 64 * 1024, "max_upload_files": 2}
    )
    app = create_app(limited)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
        async with httpx.AsyncClient(transport=transport, base_url="http://crmhub.test") as http:
            yield http


async def post(
    http: httpx.AsyncClient,
    operations: object,
    files_map: object,
    files: dict[str, tuple[str, bytes, str]],
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    fields = {"operations": json.dumps(operations), "map": json.dumps(files_map)}
    return await http.post(
        "/graphql", data=fields, files=files, headers=PREFLIGHT if headers is None else headers
    )


def refusal(answer: httpx.Response) -> dict[str, Any]:
    assert answer.status_code == 400, answer.text
    errors = answer.json()["errors"]
    assert len(errors) == 1
    extensions: dict[str, Any] = errors[0]["extensions"]
    return extensions


ONE_FILE = {"0": ("notes.txt", b"hello", "text/plain")}


async def test_a_well_formed_upload_request_runs(http: httpx.AsyncClient) -> None:
    answer = await post(http, TYPENAME, {"0": ["variables.file"]}, ONE_FILE)
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"data": {"__typename": "Query"}}


async def test_a_multipart_request_without_a_preflight_header_is_refused(
    http: httpx.AsyncClient,
) -> None:
    answer = await post(http, TYPENAME, {"0": ["variables.file"]}, ONE_FILE, headers={})
    assert refusal(answer) == {"code": "BAD_USER_INPUT", "field": "headers"}


@pytest.mark.parametrize(
    ("operations", "files_map", "field"),
    [
        ([TYPENAME], {"0": ["variables.file"]}, "operations"),  # a batch
        (TYPENAME, ["variables.file"], "map"),
        (TYPENAME, {"0": "variables.file"}, "map"),
        (TYPENAME, {"0": []}, "map"),
        (TYPENAME, {"1": ["variables.file"]}, "map"),  # no such file field
        (TYPENAME, {"0": ["query"]}, "map"),  # outside the variables
        (TYPENAME, {"0": ["variables.missing"]}, "map"),
        (TYPENAME, {"0": ["variables.file.0"]}, "map"),  # into a null
        ({"query": "{ __typename }", "variables": {"file": 7}}, {"0": ["variables.file"]}, "map"),
        ({"query": "{ __typename }", "variables": {"f": [None]}}, {"0": ["variables.f.1"]}, "map"),
        ({"query": "{ __typename }", "variables": {"f": [None]}}, {"0": ["variables.f.x"]}, "map"),
        ({"variables": {"file": None}}, {"0": ["variables.file"]}, "query"),
    ],
)
async def test_malformed_parts_are_refused_naming_the_part(
    http: httpx.AsyncClient, operations: object, files_map: object, field: str
) -> None:
    answer = await post(http, operations, files_map, ONE_FILE)
    assert refusal(answer) == {"code": "BAD_USER_INPUT", "field": field}


async def test_a_file_in_a_list_variable_is_placed(http: httpx.AsyncClient) -> None:
    operations = {"query": "{ __typename }", "variables": {"files": [None, None]}}
    files = {"a": ("a.txt", b"a", "text/plain"), "b": ("b.txt", b"b", "text/plain")}
    answer = await post(
        http, operations, {"a": ["variables.files.0"], "b": ["variables.files.1"]}, files
    )
    assert answer.json() == {"data": {"__typename": "Query"}}


async def test_operations_that_are_not_json_are_refused(http: httpx.AsyncClient) -> None:
    answer = await http.post(
        "/graphql", data={"operations": "{", "map": "{}"}, files=ONE_FILE, headers=PREFLIGHT
    )
    assert refusal(answer) == {"code": "BAD_USER_INPUT", "field": "operations"}


async def test_a_broken_multipart_body_is_refused(http: httpx.AsyncClient) -> None:
    answer = await http.post(
        "/graphql",
        content=b'--xyz\r\nContent-Disposition: form-data; name="operations"\r\n\r\n{',
        headers={**PREFLIGHT, "Content-Type": "multipart/form-data; boundary=xyz"},
    )
    assert answer.status_code == 400, answer.text
    assert answer.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_more_files_than_allowed_are_refused(http: httpx.AsyncClient) -> None:
    operations = {"query": "{ __typename }", "variables": {"f": [None, None, None]}}
    files = {str(i): (f"{i}.txt", b"x", "text/plain") for i in range(3)}
    files_map = {str(i): [f"variables.f.{i}"] for i in range(3)}
    answer = await post(http, operations, files_map, files)
    assert refusal(answer) == {"code": "BAD_USER_INPUT", "field": "body"}


async def test_uploads_have_their_own_size_limit(http: httpx.AsyncClient) -> None:
    # Larger than the upload limit of this app (64 KiB): refused before it is read.
    big = {"0": ("big.bin", b"x" * (80 * 1024), "application/octet-stream")}
    answer = await post(http, TYPENAME, {"0": ["variables.file"]}, big)
    assert answer.status_code == 413
    assert answer.json()["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT", "field": "body"}
    # Within it, though past the limit of a JSON body (16 KiB): accepted.
    fits = {"0": ("fits.bin", b"x" * (48 * 1024), "application/octet-stream")}
    answer = await post(http, TYPENAME, {"0": ["variables.file"]}, fits)
    assert answer.json() == {"data": {"__typename": "Query"}}
    # A JSON body keeps its own limit.
    padded = {"query": "{ __typename }", "variables": {"pad": "x" * (32 * 1024)}}
    assert (await http.post("/graphql", json=padded)).status_code == 413
