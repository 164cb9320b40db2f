"""A 100 MB request body against `crmhub serve`: refused with 413 long before it is read.

The server's limit is 1 MiB (its default). The client writes the body as fast as the server
takes it, while waiting for the answer; the answer must come back 413 while most of the body
is still unsent, and the server must stay healthy.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator

import httpx
import pytest
import websockets
from websockets import Subprotocol

from tests.live_server import LiveServer
from tests.served_process import RawConnection, crmhub_serve

HUNDRED_MB = 100 * 1024 * 1024
CHUNK = b" " * (1024 * 1024)
# Generous: kernel socket buffers on loopback hold a few megabytes before the server reads.
MOST_OF_IT = HUNDRED_MB // 2


@pytest.fixture(scope="module")
def server(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with crmhub_serve(database_url, tmp_path_factory.mktemp("body-limits")) as served:
        yield served


async def _post_100_mb(server: LiveServer, head: bytes, *, chunked: bool) -> tuple[int, bytes, int]:
    """Sends the head, then up to 100 MB of body until the server answers: the answer's
    status and body, and how many body bytes were sent by then."""
    sent = 0
    async with RawConnection.open(server) as connection:

        async def send_body() -> None:
            nonlocal sent
            await connection.send(head)
            chunk = b"%x\r\n%b\r\n" % (len(CHUNK), CHUNK) if chunked else CHUNK
            while sent < HUNDRED_MB and await connection.send(chunk):
                sent += len(CHUNK)

        sender = asyncio.create_task(send_body())
        try:
            status, body = await connection.response(60)
        finally:
            sender.cancel()
            await asyncio.gather(sender, return_exceptions=True)
    return status, body, sent


def _head(*headers: str) -> bytes:
    lines = ["POST /graphql HTTP/1.1", "Host: crmhub.test", "Content-Type: application/json"]
    return ("\r\n".join([*lines, *headers]) + "\r\n\r\n").encode()


async def _assert_healthy(server: LiveServer) -> None:
    async with httpx.AsyncClient(base_url=server.url) as http:
        answer = await http.post("/graphql", json={"query": "{ __typename }"})
    assert answer.json() == {"data": {"__typename": "Query"}}


async def test_a_declared_100_mb_body_is_refused_unread(server: LiveServer) -> None:
    status, body, sent = await _post_100_mb(
        server, _head(f"Content-Length: {HUNDRED_MB}"), chunked=False
    )
    assert status == 413
    error = json.loads(body)["errors"][0]
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "body"}
    assert "1048576 bytes" in error["message"]
    assert sent < MOST_OF_IT
    await _assert_healthy(server)


async def test_a_chunked_100_mb_body_is_cut_off_past_the_limit(server: LiveServer) -> None:
    status, body, sent = await _post_100_mb(
        server, _head("Transfer-Encoding: chunked"), chunked=True
    )
    assert status == 413
    assert json.loads(body)["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert sent < MOST_OF_IT
    await _assert_healthy(server)


async def test_a_websocket_message_past_the_limit_closes_with_1009(server: LiveServer) -> None:
    """Only the frame's header is sent, declaring 2 MiB: the server must refuse on the
    declared length. Sending the payload too would race the server's close against the
    client's writes, and a reset can swallow the close frame before it is read."""
    url = server.url.replace("http://", "ws://") + "/graphql"
    async with websockets.connect(
        url, subprotocols=[Subprotocol("graphql-transport-ws")], max_size=None
    ) as ws:
        ws.transport.write(_masked_text_frame_header(2 * 1024 * 1024))
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await asyncio.wait_for(ws.recv(), 30)
    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == 1009  # message too big
    await _assert_healthy(server)


def _masked_text_frame_header(length: int) -> bytes:
    """RFC 6455 §5.2: FIN + text opcode, the mask bit with a 64-bit length, a masking key."""
    return bytes([0x81, 0x80 | 127]) + length.to_bytes(8, "big") + b"\x00\x00\x00\x00"


async def test_a_body_under_the_limit_is_served(server: LiveServer) -> None:
    padding = " " * (512 * 1024)
    payload = f'{{"query": "{{ __typename }}"{padding}}}'
    async with httpx.AsyncClient(base_url=server.url) as http:
        answer = await http.post(
            "/graphql", content=payload, headers={"Content-Type": "application/json"}
        )
    assert answer.json() == {"data": {"__typename": "Query"}}
