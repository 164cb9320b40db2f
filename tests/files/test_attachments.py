"""Attachments through the public API: upload, list, download, delete, on CRM records,
tasks, posts and comments, judged by each owner's own rules."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from models import AccessAction, AccessLevel, SessionFactory
from models.crm import CrmEntity
from resolvers.signing import sign_link
from schema.relay import encode_id
from tests.client import GraphQLClient
from tests.collaboration.factories import Company
from tests.conftest import TEST_SECRET, logged_in
from tests.crm.api import CREATE_DEAL, create
from tests.factories import every_action, grant_role
from tests.files.files_api import (
    DELETE,
    attached,
    download,
    listed,
    sha256,
    stored_files,
    upload,
)

UPDATE_DEAL = "mutation($id: ID!, $i: DealPatch!) { updateDeal(id: $id, input: $i) { id } }"


@pytest.fixture
async def mia(
    client: GraphQLClient, company: Company, session_factory: SessionFactory
) -> GraphQLClient:
    """May do everything in the CRM."""
    await grant_role(session_factory, "Full CRM", every_action(AccessLevel.ALL), user=company.mia)
    return await logged_in(client, company.mia.email)


@pytest.fixture
async def nina(
    client: GraphQLClient, company: Company, session_factory: SessionFactory
) -> GraphQLClient:
    """Reads her own deals, changes none."""
    own = {(CrmEntity.DEAL, AccessAction.READ): AccessLevel.OWN}
    await grant_role(session_factory, "Reader", own, user=company.nina)
    return await logged_in(client, company.nina.email)


@pytest.fixture
async def sam(client: GraphQLClient, company: Company) -> GraphQLClient:
    """Another department, no CRM role: reads no deal."""
    return await logged_in(client, company.sam.email)


async def new_deal(client: GraphQLClient, assigned_to: int | None = None) -> str:
    extra = {} if assigned_to is None else {"assignedToId": encode_id("User", assigned_to)}
    deal_id: str = (await create(client, CREATE_DEAL, title="Deal", **extra))["id"]
    return deal_id


async def test_an_upload_lists_and_downloads_byte_for_byte(
    mia: GraphQLClient, store_root: Path
) -> None:
    deal = await new_deal(mia)
    content = os.urandom(200_000)
    made = await attached(mia, deal, content, name="../../etc/Отчёт Q3\u202e.pdf")
    assert made["fileName"] == "Отчёт Q3.pdf"
    assert made["size"] == len(content) and made["sha256"] == sha256(content)
    assert made["uploadedBy"] == {"name": "Mia Member"}
    assert made["contentType"] == "text/plain"
    # Stored under a random key inside the store, whatever the name said.
    [stored] = stored_files(store_root)
    assert stored.is_relative_to(store_root) and "etc" not in stored.parts
    [item] = await listed(mia, deal) or []
    assert item["id"] == made["id"] and item["sha256"] == sha256(content)
    answer = await download(mia, item["downloadUrl"])
    assert answer.status_code == 200
    assert sha256(answer.content) == made["sha256"]
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.headers["cache-control"] == "no-store"
    disposition = answer.headers["content-disposition"]
    assert disposition.startswith("attachment; filename=\"_____ Q3.pdf\"; filename*=UTF-8''")
    # node(id:) reaches it too.
    node = await mia.data("query($id: ID!) { node(id: $id) { id } }", {"id": made["id"]})
    assert node["node"] == {"id": made["id"]}


async def test_who_may_not_read_the_deal_sees_and_does_nothing(
    mia: GraphQLClient, sam: GraphQLClient, store_root: Path
) -> None:
    deal = await new_deal(mia)
    made = await attached(mia, deal, b"secret")
    assert await listed(sam, deal) is None
    node = await sam.request("query($id: ID!) { node(id: $id) { id } }", {"id": made["id"]})
    assert node.is_null()
    refused = await upload(sam, deal, b"x")
    assert refused.code == "NOT_FOUND" and refused.error_field == "to"
    gone = await sam.request(DELETE, {"id": made["id"]})
    assert gone.code == "NOT_FOUND"
    assert len(stored_files(store_root)) == 1


async def test_a_reader_lists_and_downloads_but_may_not_attach_or_delete(
    mia: GraphQLClient, nina: GraphQLClient, company: Company
) -> None:
    deal = await new_deal(mia, assigned_to=company.nina.id)
    made = await attached(mia, deal, b"contract")
    [item] = await listed(nina, deal) or []
    assert (await download(nina, item["downloadUrl"])).content == b"contract"
    refused = await upload(nina, deal, b"x")
    assert refused.code == "FORBIDDEN"
    assert (await nina.request(DELETE, {"id": made["id"]})).code == "FORBIDDEN"
    # Once the deal is no longer hers, her link is refused, as is the list.
    await mia.data(
        UPDATE_DEAL, {"id": deal, "i": {"assignedToId": encode_id("User", company.mia.id)}}
    )
    answer = await download(nina, item["downloadUrl"])
    assert answer.status_code == 403 and answer.json()["error"]["code"] == "FORBIDDEN"
    assert await listed(nina, deal) is None


async def test_altered_expired_foreign_and_ended_links_answer_403(
    mia: GraphQLClient, company: Company
) -> None:
    deal = await new_deal(mia)
    made = await attached(mia, deal, b"abc")
    token = urlsplit(made["downloadUrl"]).path.removeprefix("/files/")
    body, mac = token.split(".")
    altered = ("A" if body[3] != "A" else "B").join((body[:3], body[4:]))
    export_token = sign_link(
        "export",
        {"a": 1, "u": company.mia.id, "t": 1},
        datetime.now(UTC) + timedelta(60),
        TEST_SECRET.encode(),
    )
    expired = sign_link(
        "download",
        {"a": 1, "u": company.mia.id, "t": 1},
        datetime.now(UTC) - timedelta(seconds=1),
        TEST_SECRET.encode(),
    )
    for path in (
        f"/files/{altered}.{mac}",
        f"/files/{body}.{mac[:-2]}",
        "/files/junk",
        f"/files/{export_token}",
        f"/files/{expired}",
    ):
        answer = await mia.http.get(path)
        assert answer.status_code == 403, path
        assert answer.json()["error"]["code"] == "FORBIDDEN"
        assert "traceback" not in answer.text.lower()
    assert "expired" in (await mia.http.get(f"/files/{expired}")).json()["error"]["message"]
    assert (await download(mia, made["downloadUrl"])).status_code == 200
    await mia.data("mutation { logout }")
    ended = await download(mia, made["downloadUrl"])
    assert ended.status_code == 403 and "session" in ended.json()["error"]["message"]


async def test_bad_uploads_are_refused_with_a_code(mia: GraphQLClient, company: Company) -> None:
    deal = await new_deal(mia)
    empty = await upload(mia, deal, b"")
    assert empty.code == "BAD_USER_INPUT" and empty.error_field == "file"
    user = await upload(mia, encode_id("User", company.mia.id), b"x")
    assert user.code == "BAD_USER_INPUT" and user.error_field == "to"
    # Not a multipart upload: the variable is JSON text, not a file.
    text = await mia.request(
        "mutation($to: ID!, $file: Upload!) { attachFile(to: $to, file: $file) { id } }",
        {"to": deal, "file": "aGVsbG8="},
    )
    assert text.code == "BAD_USER_INPUT"
    missing = await mia.request(
        "mutation($to: ID!, $file: Upload!) { attachFile(to: $to, file: $file) { id } }",
        {"to": deal},
    )
    assert missing.code == "BAD_USER_INPUT"
    assert await listed(mia, deal) == []


async def test_deleting_an_attachment_or_its_deal_removes_the_files(
    mia: GraphQLClient, store_root: Path
) -> None:
    deal = await new_deal(mia)
    first = await attached(mia, deal, b"one")
    await attached(mia, deal, b"two")
    assert len(stored_files(store_root)) == 2
    assert (await mia.data(DELETE, {"id": first["id"]}))["deleteAttachment"] == first["id"]
    assert len(stored_files(store_root)) == 1
    assert (await download(mia, first["downloadUrl"])).status_code == 404
    assert [item["sha256"] for item in await listed(mia, deal) or []] == [sha256(b"two")]
    await mia.data("mutation($id: ID!) { deleteDeal(id: $id) }", {"id": deal})
    assert stored_files(store_root) == []


async def test_merged_records_files_move_to_the_survivor(
    mia: GraphQLClient, store_root: Path
) -> None:
    create_contact = "mutation($i: ContactInput!) { createContact(input: $i) { id } }"
    survivor, merged = [
        (await mia.data(create_contact, {"i": {"lastName": name}}))["createContact"]["id"]
        for name in ("Smith", "Smith")
    ]
    await attached(mia, survivor, b"kept")
    await attached(mia, merged, b"moved")
    await mia.data(
        "mutation($s: ID!, $m: [ID!]!) { mergeContacts(survivorId: $s, mergedIds: $m) { id } }",
        {"s": survivor, "m": [merged]},
    )
    node = await mia.data(
        "query($id: ID!) { node(id: $id) { ... on Contact { attachments { sha256 } } } }",
        {"id": survivor},
    )
    assert node["node"]["attachments"] == [
        {"sha256": sha256(b"kept")},
        {"sha256": sha256(b"moved")},
    ]
    assert len(stored_files(store_root)) == 2
