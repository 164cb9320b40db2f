"""Persisted queries: Apollo's automatic persisted queries and an optional allow-list.

A client sends ``extensions.persistedQuery = {"version": 1, "sha256Hash": …}`` without the
document; a document known under that hash runs. An unknown one is answered with the error
Apollo clients wait for (message ``PersistedQueryNotFound``, code
``PERSISTED_QUERY_NOT_FOUND``), and the client sends the document with its hash once: it is
checked against the hash, registered and run. The documents live in the database
(resolvers/persisted_queries.py), so every app process knows what any one registered; each
process keeps the documents it met in a bounded cache, as a document never changes under its
hash.

With the allow-list on, only registered documents run, however they are sent (by hash or in
full), and clients cannot register any: an operator registers them with ``crmhub persist``.
Anything else is refused with ``PERSISTED_QUERY_NOT_IN_LIST``.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass

from graphql import GraphQLError, GraphQLSchema, parse, validate

from models import SessionFactory
from resolvers.errors import DATABASE_UNREACHABLE, UNAVAILABLE_MESSAGE
from resolvers.persisted_queries import find_document, register_document

log = logging.getLogger(__name__)

PERSISTED_QUERY_NOT_FOUND = "PERSISTED_QUERY_NOT_FOUND"
PERSISTED_QUERY_NOT_IN_LIST = "PERSISTED_QUERY_NOT_IN_LIST"
BAD_USER_INPUT = "BAD_USER_INPUT"
SERVICE_UNAVAILABLE = "SERVICE_UNAVAILABLE"
# Apollo clients recognise a missing document by this exact message (older ones) or the code.
NOT_FOUND_MESSAGE = "PersistedQueryNotFound"
NOT_IN_LIST_MESSAGE = "Only registered operations run on this server"
SHA256_HEX = re.compile(r"[0-9a-f]{64}")
CACHED_DOCUMENTS = 1024


@dataclass(frozen=True)
class PersistedQueryRefusal(Exception):
    """A request the persisted-query rules refuse, answered as a coded GraphQL error.
    ``status``: its HTTP status (a missing document is 200, as Apollo clients expect it)."""

    code: str
    message: str
    status: int = 400
    field: str | None = None


def document_hash(document: str) -> str:
    """The hash a client names a document by: SHA-256 of its UTF-8 bytes, lower-case hex."""
    return hashlib.sha256(document.encode("utf-8", "surrogatepass")).hexdigest()


class PersistedQueries:
    def __init__(
        self,
        session_factory: SessionFactory,
        schema: GraphQLSchema,
        *,
        allow_list: bool,
        max_document_bytes: int,
    ) -> None:
        self.session_factory = session_factory
        self.schema = schema
        self.allow_list = allow_list
        self.max_document_bytes = max_document_bytes
        self._cache: OrderedDict[str, str] = OrderedDict()

    async def resolve(self, request: Mapping[str, object]) -> Mapping[str, object]:
        """``request`` (its ``query``, ``extensions`` …) with the document it runs, or a
        ``PersistedQueryRefusal``. A request without the extension passes as it is unless
        the allow-list is on."""
        sha256 = requested_hash(request.get("extensions"))
        query = request.get("query")
        if sha256 is None:
            if self.allow_list and isinstance(query, str):
                await self._require_listed(document_hash(query))
            return request
        if query is None or query == "":
            return {**request, "query": await self._document(sha256)}
        if not isinstance(query, str):
            return request  # the request's shape check names the fault
        if document_hash(query) != sha256:
            raise PersistedQueryRefusal(
                BAD_USER_INPUT, "provided sha does not match query", field="extensions"
            )
        if self.allow_list:
            await self._require_listed(sha256)
        else:
            await self._register(sha256, query)
        return request

    async def register(self, document: str) -> str:
        """Registers a document (the allow-list's way in) and returns its hash; a
        ``PersistedQueryRefusal`` if it is too large or not a valid operation of the schema."""
        sha256 = document_hash(document)
        problem = self._registration_problem(document)
        if problem is not None:
            raise PersistedQueryRefusal(BAD_USER_INPUT, problem, field="query")
        await self._store(sha256, document)
        return sha256

    async def _document(self, sha256: str) -> str:
        document = await self._lookup(sha256)
        if document is not None:
            return document
        if self.allow_list:
            raise PersistedQueryRefusal(PERSISTED_QUERY_NOT_IN_LIST, NOT_IN_LIST_MESSAGE)
        raise PersistedQueryRefusal(PERSISTED_QUERY_NOT_FOUND, NOT_FOUND_MESSAGE, status=200)

    async def _require_listed(self, sha256: str) -> None:
        if await self._lookup(sha256) is None:
            raise PersistedQueryRefusal(PERSISTED_QUERY_NOT_IN_LIST, NOT_IN_LIST_MESSAGE)

    async def _lookup(self, sha256: str) -> str | None:
        document = self._cache.get(sha256)
        if document is None:
            try:
                document = await find_document(self.session_factory, sha256)
            except DATABASE_UNREACHABLE as error:
                raise _unavailable(error) from None
            if document is not None:
                self._remember(sha256, document)
        else:
            self._cache.move_to_end(sha256)
        return document

    async def _register(self, sha256: str, document: str) -> None:
        # Only what could run is kept, and only up to a size: the table is written by any
        # client, so junk and giant documents are run (and refused) as usual but not stored.
        if sha256 in self._cache:
            return
        problem = self._registration_problem(document)
        if problem is not None:
            log.info("persisted query %s not registered: %s", sha256, problem)
            return
        await self._store(sha256, document)
        self._remember(sha256, document)

    async def _store(self, sha256: str, document: str) -> None:
        try:
            await register_document(self.session_factory, sha256, document)
        except DATABASE_UNREACHABLE as error:
            raise _unavailable(error) from None

    def _registration_problem(self, document: str) -> str | None:
        size = len(document.encode("utf-8", "surrogatepass"))
        if size > self.max_document_bytes:
            return f"the document has {size} bytes, more than {self.max_document_bytes}"
        try:
            errors = validate(self.schema, parse(document))
        except GraphQLError as error:
            return f"the document does not parse: {error.message}"
        return f"the document is not valid: {errors[0].message}" if errors else None

    def _remember(self, sha256: str, document: str) -> None:
        self._cache[sha256] = document
        if len(self._cache) > CACHED_DOCUMENTS:
            self._cache.popitem(last=False)


def _unavailable(error: BaseException) -> PersistedQueryRefusal:
    log.warning("persisted queries: database unreachable: %r", error)
    return PersistedQueryRefusal(SERVICE_UNAVAILABLE, UNAVAILABLE_MESSAGE, status=503)


def requested_hash(extensions: object) -> str | None:
    """The hash of ``extensions.persistedQuery``, if the request names one."""
    if not isinstance(extensions, Mapping) or "persistedQuery" not in extensions:
        return None
    persisted = extensions["persistedQuery"]
    if not isinstance(persisted, Mapping) or persisted.get("version") != 1:
        raise PersistedQueryRefusal(
            BAD_USER_INPUT,
            "Unsupported persisted query version: send persistedQuery.version 1",
            field="extensions",
        )
    sha256 = persisted.get("sha256Hash")
    if not isinstance(sha256, str) or not SHA256_HEX.fullmatch(sha256):
        raise PersistedQueryRefusal(
            BAD_USER_INPUT,
            "persistedQuery.sha256Hash must be the SHA-256 of the document, 64 lower-case hex "
            "digits",
            field="extensions",
        )
    return sha256
