"""Frames written by the express lane: RFC 6455 text frames, and never to a socket that is
closing or not keeping up."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any, cast

import pytest
from websockets.frames import Frame, Opcode
from websockets.protocol import State

from crmhub.websocket import TransportFrames
from subscriptions.express import text_frame


@pytest.mark.parametrize("length", [0, 125, 126, 65535, 65536, 70000])
def test_a_text_frame_is_what_the_websockets_library_writes(length: int) -> None:
    payload = b"x" * length
    expected = Frame(Opcode.TEXT, payload).serialize(mask=False, extensions=[])
    assert text_frame(payload) == expected


class _Transport:
    def __init__(self) -> None:
        self.written: list[bytes] = []
        self.closing = False

    def write(self, data: bytes) -> None:
        self.written.append(data)

    def is_closing(self) -> bool:
        return self.closing


def _connection() -> tuple[TransportFrames, Any, _Transport]:
    transport = _Transport()
    writable = asyncio.Event()
    writable.set()
    protocol = SimpleNamespace(
        transport=transport,
        conn=SimpleNamespace(state=State.OPEN),
        close_sent=False,
        writable=writable,
    )
    return TransportFrames(cast(Any, protocol)), protocol, transport


def test_an_open_socket_that_keeps_up_gets_the_frame() -> None:
    frames, _, transport = _connection()
    assert frames.write(b"frame")
    assert transport.written == [b"frame"]


@pytest.mark.parametrize(
    "trouble",
    [
        "slow client (the transport paused writing)",
        "close received (the connection is closing)",
        "close sent",
        "transport closing",
    ],
)
def test_nothing_is_written_to_a_socket_in_trouble(trouble: str) -> None:
    frames, protocol, transport = _connection()
    if trouble.startswith("slow"):
        protocol.writable.clear()
    elif trouble.startswith("close received"):
        protocol.conn.state = State.CLOSING
    elif trouble == "close sent":
        protocol.close_sent = True
    else:
        transport.closing = True
    assert not frames.write(b"frame")
    assert transport.written == []
