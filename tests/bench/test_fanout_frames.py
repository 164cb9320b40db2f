"""The fan-out client's own websocket framing (RFC 6455), checked against the examples of
RFC 6455 §5.7 and against the ``websockets`` library's frame reader and writer."""

from __future__ import annotations

import os

import pytest
from websockets.frames import Frame, Opcode
from websockets.streams import StreamReader

from bench.fanout import summarise
from bench.wsclient import (
    OP_CLOSE,
    OP_PING,
    OP_PONG,
    OP_TEXT,
    FrameReader,
    ProtocolError,
    accept_value,
    check_handshake_response,
    client_frame,
    mask,
)

RFC_KEY = bytes((0x37, 0xFA, 0x21, 0x3D))


def test_masked_hello_is_the_rfcs_example() -> None:
    assert client_frame(OP_TEXT, b"Hello", RFC_KEY) == bytes.fromhex("818537fa213d7f9f4d5158")


def test_mask_is_its_own_inverse() -> None:
    payload = os.urandom(1001)
    key = os.urandom(4)
    assert mask(mask(payload, key), key) == payload
    assert mask(b"", key) == b""


@pytest.mark.parametrize("length", [0, 1, 125, 126, 65535, 65536, 70000])
def test_client_frames_parse_as_websockets_reads_them(length: int) -> None:
    payload = os.urandom(length)
    reader = StreamReader()
    reader.feed_data(client_frame(OP_TEXT, payload))
    parser = Frame.parse(reader.read_exact, mask=True)
    try:
        next(parser)
    except StopIteration as done:
        frame = done.value
    else:
        raise AssertionError("frame incomplete")
    assert frame.opcode is Opcode.TEXT and frame.fin and frame.data == payload


def server_frame(opcode: Opcode, payload: bytes, *, fin: bool = True) -> bytes:
    return Frame(opcode, payload, fin=fin).serialize(mask=False)


@pytest.mark.parametrize("length", [0, 5, 125, 126, 300, 65535, 65536, 70000])
def test_server_frames_of_every_length_form(length: int) -> None:
    payload = os.urandom(length)
    assert FrameReader().feed(server_frame(Opcode.BINARY, payload)) == [(0x2, payload)]


def test_frames_split_anywhere_and_joined_in_one_chunk() -> None:
    stream = (
        server_frame(Opcode.TEXT, b'{"type":"next"}')
        + server_frame(Opcode.PING, b"beat")
        + server_frame(Opcode.TEXT, b"x" * 200)
        + server_frame(Opcode.TEXT, b"y" * 70000)
        + server_frame(Opcode.CLOSE, (1000).to_bytes(2, "big"))
    )
    expected = [
        (OP_TEXT, b'{"type":"next"}'),
        (OP_PING, b"beat"),
        (OP_TEXT, b"x" * 200),
        (OP_TEXT, b"y" * 70000),
        (OP_CLOSE, b"\x03\xe8"),
    ]
    assert FrameReader().feed(stream) == expected
    for size in (1, 2, 3, 7, 1000):
        reader = FrameReader()
        frames = []
        for start in range(0, len(stream), size):
            frames += reader.feed(stream[start : start + size])
        assert frames == expected


def test_fragmented_message_is_joined_around_a_control_frame() -> None:
    stream = (
        server_frame(Opcode.TEXT, b"hel", fin=False)
        + server_frame(Opcode.PING, b"")
        + server_frame(Opcode.CONT, b"lo", fin=False)
        + server_frame(Opcode.CONT, b"!")
    )
    assert FrameReader().feed(stream) == [(OP_PING, b""), (OP_TEXT, b"hello!")]


def test_masked_server_frame_is_refused() -> None:
    with pytest.raises(ProtocolError):
        FrameReader().feed(client_frame(OP_PONG, b"x"))


def test_handshake_response_is_checked() -> None:
    key = "dGhlIHNhbXBsZSBub25jZQ=="
    assert accept_value(key) == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="  # RFC 6455 §1.3
    head = (
        b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        b"Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"
        b"Sec-WebSocket-Protocol: graphql-transport-ws"
    )
    check_handshake_response(head, key)
    with pytest.raises(ProtocolError):
        check_handshake_response(head.replace(b"101 Switching Protocols", b"403 Forbidden"), key)
    with pytest.raises(ProtocolError):
        check_handshake_response(head, "another key")


def test_summary_per_delivery_and_per_event() -> None:
    # Two events, three sockets: the second event reaches only two of them.
    deliveries = [(10.010, 10.0), (10.020, 10.0), (10.100, 10.0), (20.005, 20.0), (20.050, 20.0)]
    summary = summarise(deliveries, live=3)
    assert summary["deliveries"] == 5 and summary["events"] == 2
    assert summary["incomplete_events"] == 1
    assert summary["event_last_ms"] == pytest.approx([100.0, 50.0])
    assert summary["event_last_p50_ms"] == pytest.approx(75.0)
    assert summary["event_last_max_ms"] == pytest.approx(100.0)
    assert summary["latency_p50_ms"] == pytest.approx(20.0)
    assert summary["latency_max_ms"] == pytest.approx(100.0)
    assert summary["deliveries_per_second"] == pytest.approx((30.0 + 40.0) / 2)
