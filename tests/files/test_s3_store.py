"""The S3 store against a real S3 API (moto's server on loopback): the same round trip as
the local store, a multipart upload for a file larger than a part, and deletion."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto.server import ThreadedMotoServer

from crmhub.settings import Settings
from models import AccessLevel, SessionFactory
from tests.client import GraphQLClient
from tests.collaboration.factories import Company
from tests.conftest import logged_in
from tests.crm.api import CREATE_DEAL, create
from tests.factories import every_action, grant_role
from tests.files.files_api import DELETE, attached, download, listed, sha256

BUCKET = "crmhub-files"
PART = 5 * 1024 * 1024


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=_free_port(), verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@pytest.fixture
def s3(s3_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> Any:
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    client = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1")
    client.create_bucket(Bucket=BUCKET)
    yield client
    for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", []):
        client.delete_object(Bucket=BUCKET, Key=item["Key"])
    client.delete_bucket(Bucket=BUCKET)


@pytest.fixture
def settings(settings: Settings, s3: Any, s3_endpoint: str) -> Settings:
    url = f"s3://{BUCKET}/attachments?endpoint_url={s3_endpoint}&region=us-east-1&part_size={PART}"
    return settings.model_copy(update={"storage_url": url})


def stored(s3: Any) -> list[tuple[str, int]]:
    contents = s3.list_objects_v2(Bucket=BUCKET).get("Contents", [])
    return [(item["Key"], item["Size"]) for item in contents]


async def test_the_s3_store_round_trips_in_parts_and_deletes(
    client: GraphQLClient, company: Company, session_factory: SessionFactory, s3: Any
) -> None:
    await grant_role(session_factory, "Full CRM", every_action(AccessLevel.ALL), user=company.mia)
    mia = await logged_in(client, company.mia.email)
    deal = (await create(mia, CREATE_DEAL, title="Deal"))["id"]
    small = b"hello s3"
    large = os.urandom(PART + 300_000)  # two parts: a multipart upload
    for content in (small, large):
        await attached(mia, deal, content, name="file.bin")
    keys = stored(s3)
    assert sorted(size for _key, size in keys) == [len(small), len(large)]
    assert all(key.startswith("attachments/") for key, _size in keys)
    items = await listed(mia, deal) or []
    for item, content in zip(items, (small, large), strict=True):
        answer = await download(mia, item["downloadUrl"])
        assert answer.status_code == 200 and sha256(answer.content) == sha256(content)
    await mia.data(DELETE, {"id": items[1]["id"]})
    assert [size for _key, size in stored(s3)] == [len(small)]
    await mia.data("mutation($id: ID!) { deleteDeal(id: $id) }", {"id": deal})
    assert stored(s3) == []
