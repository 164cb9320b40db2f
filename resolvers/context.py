"""The request context every resolver receives: session, viewer, loaders.

One context per GraphQL operation (see ``schema/extensions.py``). Strawberry resolves sibling
fields concurrently and an ``AsyncSession`` allows one statement at a time, so access to the
session is serialised by ``db()``. Never await a loader inside a ``db()`` block: the loader's
batch needs the same lock.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Hashable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from functools import partial
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from auth.policy import CompiledPolicy
from auth.viewer import Viewer
from models import SessionFactory
from resolvers.access.cache import PolicyCache
from resolvers.compiled.config import CompiledReadsConfig
from resolvers.crm.export_config import ExportConfig
from resolvers.errors import Forbidden, ServiceUnavailable, Unauthenticated
from resolvers.files.storage import FileConfig, LocalStore, default_root
from resolvers.imports.config import ImportConfig
from resolvers.loading import Loader
from resolvers.mail.config import MailConfig
from subscriptions.express import FrameSink
from subscriptions.realtime import Realtime

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


@dataclass(frozen=True)
class AuthConfig:
    token_secret: bytes
    token_ttl: timedelta
    login_failures_per_email: int
    login_failures_per_address: int
    login_failure_window: timedelta


@dataclass(frozen=True)
class Services:
    """What lives for the whole process and every request may use."""

    session_factory: SessionFactory
    auth: AuthConfig
    policies: PolicyCache = field(default_factory=PolicyCache)
    # The live-event machinery; None where nothing subscribes (the CLI, say).
    realtime: Realtime | None = None
    # Outgoing mail (resolvers/mail/): off unless an SMTP host is configured.
    mail: MailConfig = field(default_factory=MailConfig)
    # Exports (resolvers/crm/exports.py): link lifetime, rows per statement.
    exports: ExportConfig = field(default_factory=ExportConfig)
    # Bulk actions (resolvers/crm/bulk.py): the most records one call may act on.
    bulk_max_records: int = 1000
    # Attachments' bytes (resolvers/files/): the store and how long download links work.
    files: FileConfig = field(default_factory=lambda: FileConfig(LocalStore(default_root(""))))
    # Imports (resolvers/imports/): limits, batches, leases, the worker's wake-up.
    imports: ImportConfig = field(default_factory=ImportConfig)
    # Compiled reads (resolvers/compiled/): on, off, or compared with the resolvers.
    compiled_reads: CompiledReadsConfig = field(default_factory=CompiledReadsConfig)


@dataclass
class RequestContext:
    services: Services
    viewer: Viewer | None
    client_address: str = "unknown"
    # Attached per operation by schema/extensions.py, from the process's policy cache.
    policy: CompiledPolicy | None = None
    # Ends the websocket this operation came on (code, reason); None over HTTP.
    close_connection: Callable[[int, str], Awaitable[None]] | None = None
    # Writes whole frames to that websocket, for live events (subscriptions/express.py);
    # None over HTTP or where the server offers no such writer.
    frames: FrameSink | None = None
    # Set when the token could not be checked (the database was unreachable): the viewer is
    # unknown, which is not the same as having none.
    viewer_unavailable: ServiceUnavailable | None = None
    _session: AsyncSession | None = field(default=None, repr=False)
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock, repr=False)
    _loaders: dict[Callable[..., Any], Loader[Any, Any]] = field(default_factory=dict, repr=False)

    @asynccontextmanager
    async def db(self) -> AsyncIterator[AsyncSession]:
        """The request's session, held exclusively; rolled back if the block raises."""
        async with self._lock:
            if self._session is None:
                self._session = self.services.session_factory()
            try:
                yield self._session
            except BaseException:
                await self._session.rollback()
                raise

    def loader(
        self, batch: Callable[[RequestContext, list[K]], Awaitable[Sequence[V]]]
    ) -> Loader[K, V]:
        """The request's loader for a batch function, made on first use."""
        existing = self._loaders.get(batch)
        if existing is None:
            existing = Loader(partial(batch, self))
            self._loaders[batch] = existing
        return existing

    def forget_loaded(self) -> None:
        """Drop every cached load, after a write that may have changed them."""
        self._loaders.clear()

    def fork(self) -> RequestContext:
        """A context for the same viewer and policy with a session and loaders of its own:
        work shared by several subscribers must not ride on any one subscriber's context."""
        return RequestContext(
            services=self.services,
            viewer=self.viewer,
            client_address=self.client_address,
            policy=self.policy,
        )

    def require_viewer(self) -> Viewer:
        if self.viewer is None and self.viewer_unavailable is not None:
            raise self.viewer_unavailable
        if self.viewer is None:
            raise Unauthenticated("Log in first: send 'Authorization: Bearer <token>'")
        return self.viewer

    def require_admin(self) -> Viewer:
        viewer = self.require_viewer()
        if not viewer.is_admin:
            raise Forbidden("Only an administrator may do this")
        return viewer

    def require_policy(self) -> CompiledPolicy:
        """The viewer's compiled access policy; every CRM read and write consults it."""
        viewer = self.require_viewer()
        if self.policy is None:
            if not viewer.is_admin:
                raise RuntimeError("no policy attached to this context")
            # Contexts made outside a GraphQL operation (the CLI) act as an administrator.
            self.policy = CompiledPolicy(viewer, [])
        return self.policy

    async def release(self) -> None:
        """Between two events of a subscription: drop the session and every cached load, so
        nothing is held for the life of a socket and each event sees fresh data."""
        await self.close()
        self.forget_loaded()

    async def close(self) -> None:
        # Under the lock: a resolver cancelled mid-query (a sibling field failed and nulled
        # the answer) may still be rolling the session back.
        async with self._lock:
            if self._session is not None:
                await self._session.close()
                self._session = None
