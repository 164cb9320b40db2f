"""An S3-compatible file store (AWS S3, MinIO, Ceph, moto…). Credentials come the usual
boto3 way (``AWS_ACCESS_KEY_ID`` / ``AWS_SECRET_ACCESS_KEY``, a profile, an instance role).

boto3 blocks: every call runs in a worker thread. Uploads go as a multipart upload of
``part_bytes`` parts (one PUT when the file is smaller), so at most one part is in memory;
downloads are read from the response body a chunk at a time.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import anyio
import boto3
from botocore.exceptions import ClientError

from resolvers.files.storage import CHUNK_BYTES, MissingFile, checked_key

# S3's smallest part but the last is 5 MiB.
PART_BYTES = 8 * 1024 * 1024


class S3Store:
    def __init__(
        self,
        bucket: str,
        prefix: str = "",
        endpoint_url: str | None = None,
        region: str | None = None,
        part_bytes: int = PART_BYTES,
    ) -> None:
        self.bucket = bucket
        self.prefix = prefix
        self.part_bytes = part_bytes
        self.client: Any = boto3.client("s3", endpoint_url=endpoint_url, region_name=region)

    def name_of(self, key: str) -> str:
        return self.prefix + checked_key(key)

    async def put(self, key: str, chunks: AsyncIterator[bytes]) -> None:
        name = self.name_of(key)
        part = bytearray()
        upload_id: str | None = None
        parts: list[dict[str, Any]] = []
        try:
            async for chunk in chunks:
                part += chunk
                if len(part) >= self.part_bytes:
                    if upload_id is None:
                        upload_id = await self._start(name)
                    parts.append(await self._part(name, upload_id, len(parts) + 1, bytes(part)))
                    part.clear()
            if upload_id is None:
                await anyio.to_thread.run_sync(
                    lambda: self.client.put_object(Bucket=self.bucket, Key=name, Body=bytes(part))
                )
                return
            if part or not parts:
                parts.append(await self._part(name, upload_id, len(parts) + 1, bytes(part)))
            done = {"Parts": parts}
            await anyio.to_thread.run_sync(
                lambda: self.client.complete_multipart_upload(
                    Bucket=self.bucket, Key=name, UploadId=upload_id, MultipartUpload=done
                )
            )
        except BaseException:
            if upload_id is not None:
                with anyio.CancelScope(shield=True):
                    await anyio.to_thread.run_sync(
                        lambda: self.client.abort_multipart_upload(
                            Bucket=self.bucket, Key=name, UploadId=upload_id
                        )
                    )
            raise

    async def _start(self, name: str) -> str:
        started = await anyio.to_thread.run_sync(
            lambda: self.client.create_multipart_upload(Bucket=self.bucket, Key=name)
        )
        upload_id: str = started["UploadId"]
        return upload_id

    async def _part(self, name: str, upload_id: str, number: int, body: bytes) -> dict[str, Any]:
        sent = await anyio.to_thread.run_sync(
            lambda: self.client.upload_part(
                Bucket=self.bucket, Key=name, UploadId=upload_id, PartNumber=number, Body=body
            )
        )
        return {"ETag": sent["ETag"], "PartNumber": number}

    async def open(self, key: str) -> AsyncIterator[bytes]:
        name = self.name_of(key)
        try:
            answer = await anyio.to_thread.run_sync(
                lambda: self.client.get_object(Bucket=self.bucket, Key=name)
            )
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                raise MissingFile(key) from error
            raise
        body = answer["Body"]
        try:
            while chunk := await anyio.to_thread.run_sync(body.read, CHUNK_BYTES):
                yield chunk
        finally:
            body.close()

    async def delete(self, key: str) -> None:
        name = self.name_of(key)
        await anyio.to_thread.run_sync(
            lambda: self.client.delete_object(Bucket=self.bucket, Key=name)
        )
