"""`crmhub persist`: documents read from files and registered as persisted queries.

A ``.json`` file is an Apollo persisted-query manifest (``{"format":
"apollo-persisted-query-manifest", "operations": [{"id", "name", "body"}, …]}``, as
``generate-persisted-query-manifest`` writes it), whose ids must be the SHA-256 of their
bodies, since clients send that hash; any other file holds one GraphQL document.
"""

from __future__ import annotations

import json
from pathlib import Path

from crmhub.app import persisted_queries, query_limits
from crmhub.database import create_engine, create_session_factory
from crmhub.persisted import PersistedQueryRefusal, document_hash
from crmhub.settings import Settings
from schema import build_schema

MANIFEST_FORMAT = "apollo-persisted-query-manifest"


def documents_in(path: Path) -> list[tuple[str, str]]:
    """(name, document) of each document a file holds; ValueError for a bad manifest."""
    text = path.read_text(encoding="utf-8")
    if path.suffix != ".json":
        return [(str(path), text)]
    manifest = json.loads(text)
    if not isinstance(manifest, dict) or manifest.get("format") != MANIFEST_FORMAT:
        raise ValueError(f"{path}: not an Apollo persisted-query manifest ({MANIFEST_FORMAT})")
    documents = []
    for operation in manifest.get("operations", []):
        body, name = operation.get("body"), operation.get("name") or operation.get("id")
        if not isinstance(body, str):
            raise ValueError(f"{path}: operation {name!r} has no string 'body'")
        if operation.get("id") not in (None, document_hash(body)):
            raise ValueError(f"{path}: operation {name!r}: its id is not the SHA-256 of its body")
        documents.append((f"{path}:{name}", body))
    return documents


async def persist_files(settings: Settings, files: list[Path]) -> list[tuple[str, str]]:
    """Registers every document of ``files`` (all read and checked first): (hash, name) each."""
    documents = [document for path in files for document in documents_in(path)]
    engine = create_engine(settings.database_url)
    try:
        store = persisted_queries(
            settings, create_session_factory(engine), build_schema(query_limits(settings))
        )
        registered = []
        for name, document in documents:
            try:
                registered.append((await store.register(document), name))
            except PersistedQueryRefusal as refused:
                raise ValueError(f"{name}: {refused.message}") from None
        return registered
    finally:
        await engine.dispose()
