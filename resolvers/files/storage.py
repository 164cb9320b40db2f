"""The file store: where attachments' bytes live, behind one interface.

``FileStore`` streams both ways (``put`` takes an async iterator of chunks, ``open`` gives
one), so no file is ever held whole in memory. Keys are made here (``new_key``: random,
URL-safe): never a user's file name, so no name can reach outside the store's root.

Two stores: ``LocalStore`` (files under a directory, the default) and ``S3Store``
(``resolvers/files/s3.py``, any S3-compatible service). ``store_for_url`` picks one from
``CRMHUB_STORAGE_URL``: ``file:///var/lib/crmhub/files`` or
``s3://bucket/prefix?endpoint_url=…&region=…&part_size=…`` (the multipart upload's part
size in bytes, 8 MiB by default; S3 takes no part but the last below 5 MiB).
"""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Protocol
from urllib.parse import parse_qs, unquote, urlsplit

import anyio

CHUNK_BYTES = 64 * 1024
_KEY = re.compile(r"[A-Za-z0-9_-]{16,128}")


class FileStore(Protocol):
    """Bytes by key. ``put`` replaces nothing (keys are new); ``delete`` of a missing key is
    no error (a removal may be retried)."""

    async def put(self, key: str, chunks: AsyncIterator[bytes]) -> None: ...

    def open(self, key: str) -> AsyncIterator[bytes]: ...

    async def delete(self, key: str) -> None: ...


class MissingFile(Exception):
    """The store has no file under this key."""


def new_key() -> str:
    """A fresh random key (192 bits): unguessable, and safe as a path or object name."""
    return secrets.token_urlsafe(24)


def checked_key(key: str) -> str:
    if not _KEY.fullmatch(key):
        raise ValueError(f"not a file store key: {key!r}")
    return key


class LocalStore:
    """Files under ``root``, in sub-directories by the key's first two characters. A file
    is written under a temporary name and renamed when complete, so a reader never sees a
    half-written one."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path_of(self, key: str) -> Path:
        key = checked_key(key)
        return self.root / key[:2] / key

    async def put(self, key: str, chunks: AsyncIterator[bytes]) -> None:
        path = self.path_of(key)
        await anyio.Path(path.parent).mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f".{key}.part")
        try:
            async with await anyio.open_file(partial, "wb") as file:
                async for chunk in chunks:
                    await file.write(chunk)
            await anyio.Path(partial).rename(path)
        except BaseException:
            await anyio.Path(partial).unlink(missing_ok=True)
            raise

    async def open(self, key: str) -> AsyncIterator[bytes]:
        try:
            file = await anyio.open_file(self.path_of(key), "rb")
        except FileNotFoundError as error:
            raise MissingFile(key) from error
        async with file:
            while chunk := await file.read(CHUNK_BYTES):
                yield chunk

    async def delete(self, key: str) -> None:
        await anyio.Path(self.path_of(key)).unlink(missing_ok=True)


@dataclass(frozen=True)
class FileConfig:
    """The store, and how long a download link works."""

    store: FileStore
    link_ttl: timedelta = timedelta(minutes=5)


def default_root(database_url: str) -> Path:
    """``var/files`` beside the SQLite database file, or in the working directory."""
    if database_url.startswith("sqlite") and ":///" in database_url:
        database = database_url.split(":///", 1)[1].split("?", 1)[0]
        if database and database != ":memory:":
            return Path(database).resolve().parent / "var" / "files"
    return Path.cwd() / "var" / "files"


def store_for_url(url: str, database_url: str) -> FileStore:
    """The store ``url`` names (empty: local files in ``default_root``)."""
    if not url:
        return LocalStore(default_root(database_url))
    parts = urlsplit(url)
    if parts.scheme == "file":
        return LocalStore(Path(unquote(parts.path)))
    if parts.scheme == "s3":
        from resolvers.files.s3 import S3Store

        options = {name: values[-1] for name, values in parse_qs(parts.query).items()}
        prefix = parts.path.strip("/")
        return S3Store(
            bucket=parts.netloc,
            prefix=f"{prefix}/" if prefix else "",
            endpoint_url=options.get("endpoint_url") or os.environ.get("AWS_ENDPOINT_URL"),
            region=options.get("region") or os.environ.get("AWS_DEFAULT_REGION"),
            **({"part_bytes": int(options["part_size"])} if "part_size" in options else {}),
        )
    raise ValueError(f"CRMHUB_STORAGE_URL must be file:///… or s3://bucket…, not {url!r}")
