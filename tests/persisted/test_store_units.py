"""Focused checks of the persisted-query rules that the API tests do not reach."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from crmhub.app import persisted_queries
from crmhub.database import create_engine, create_session_factory
from crmhub.persisted import PersistedQueryRefusal, document_hash, requested_hash
from crmhub.settings import Settings
from schema import build_schema

VIEWER = "{ viewer { email } }"


def test_the_hash_is_the_sha256_of_the_documents_utf8_bytes() -> None:
    # What Apollo clients send: the UTF-8 bytes hashed, as lower-case hex.
    document = '{ f(s: "é") }'
    assert document_hash(document) == hashlib.sha256(document.encode("utf-8")).hexdigest()


def test_requests_without_the_extension_name_no_hash() -> None:
    assert requested_hash(None) is None
    assert requested_hash({"other": 1}) is None
    sha = document_hash(VIEWER)
    assert requested_hash({"persistedQuery": {"version": 1, "sha256Hash": sha}}) == sha


async def test_an_unreachable_database_is_service_unavailable(tmp_path: Path) -> None:
    settings = Settings(
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'missing' / 'x.db'}",
        _env_file=None,  # type: ignore[call-arg]
    )
    engine = create_engine(settings.database_url)
    try:
        store = persisted_queries(settings, create_session_factory(engine), build_schema())
        hash_only = {"extensions": {"persistedQuery": {"version": 1, "sha256Hash": "a" * 64}}}
        with pytest.raises(PersistedQueryRefusal) as refused:
            await store.resolve(hash_only)
        assert (refused.value.code, refused.value.status) == ("SERVICE_UNAVAILABLE", 503)
        with pytest.raises(PersistedQueryRefusal) as refused:
            await store.register(VIEWER)
        assert refused.value.code == "SERVICE_UNAVAILABLE"
    finally:
        await engine.dispose()
