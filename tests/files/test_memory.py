"""A large file streams through in bounded memory both ways: the upload into the store,
the download out of it (tracemalloc's peak stays far below the file's size)."""

from __future__ import annotations

import asyncio
import hashlib
import os
import tracemalloc
from collections.abc import MutableMapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from starlette.applications import Starlette

from models import AccessLevel, SessionFactory
from tests.client import GraphQLClient
from tests.collaboration.factories import Company
from tests.conftest import logged_in
from tests.crm.api import CREATE_DEAL, create
from tests.factories import every_action, grant_role
from tests.files.files_api import attached

SIZE = 20 * 1024 * 1024
# Far below the file's size, and the same for any size: a few 64 KiB chunks, the upload's
# spooling buffer (1 MiB), the multipart parser's and the test client's buffers.
LIMIT = SIZE // 5


async def test_a_large_file_streams_in_bounded_memory(
    client: GraphQLClient,
    company: Company,
    session_factory: SessionFactory,
    app: Starlette,
    tmp_path: Path,
) -> None:
    await grant_role(session_factory, "Full CRM", every_action(AccessLevel.ALL), user=company.mia)
    mia = await logged_in(client, company.mia.email)
    deal = (await create(mia, CREATE_DEAL, title="Deal"))["id"]
    source = tmp_path / "big.bin"
    digest = hashlib.sha256()
    with source.open("wb") as file:
        for _ in range(SIZE // (1024 * 1024)):
            block = os.urandom(1024 * 1024)
            digest.update(block)
            file.write(block)
    tracemalloc.start()
    try:
        with source.open("rb") as file:
            made = await attached(mia, deal, file, name="big.bin")
        _current, upload_peak = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        received, status = await _download(app, urlsplit(made["downloadUrl"]).path)
        _current, download_peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert made["size"] == SIZE and made["sha256"] == digest.hexdigest()
    assert status == 200 and received == digest.hexdigest()
    assert upload_peak < LIMIT, upload_peak
    assert download_peak < LIMIT, download_peak
    print(f"peaks for {SIZE} bytes: upload {upload_peak}, download {download_peak}")


async def _download(app: Starlette, path: str) -> tuple[str, int]:
    """GET ``path`` straight through the ASGI app, hashing the body as it comes and keeping
    none of it (a test client would collect the whole body)."""
    digest = hashlib.sha256()
    status = 0
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"crmhub.test")],
        "client": ("127.0.0.1", 50000),
        "server": ("crmhub.test", 80),
    }

    sent = False

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await asyncio.Event().wait()  # the client stays connected until the response ends
        return {"type": "http.disconnect"}

    async def send(message: MutableMapping[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            digest.update(message.get("body", b""))

    await app(scope, receive, send)
    return digest.hexdigest(), status
