"""The fan-out client's wire: RFC 6455 frames and the graphql-transport-ws handshake.

Only what a client needs: masked frames out, unmasked frames in (parsed incrementally, as
bytes arrive), the HTTP upgrade request and the check of its answer.
"""

from __future__ import annotations

import base64
import hashlib
import os

OP_CONTINUATION, OP_TEXT, OP_BINARY = 0x0, 0x1, 0x2
OP_CLOSE, OP_PING, OP_PONG = 0x8, 0x9, 0xA
FIN = 0x80
ACCEPT_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


class ProtocolError(Exception):
    pass


def mask(payload: bytes, key: bytes) -> bytes:
    """``payload`` XOR ``key`` repeated (RFC 6455 §5.3); its own inverse."""
    if not payload:
        return b""
    length = len(payload)
    repeated = (key * (length // 4 + 1))[:length]
    return (int.from_bytes(payload, "big") ^ int.from_bytes(repeated, "big")).to_bytes(
        length, "big"
    )


def client_frame(opcode: int, payload: bytes, key: bytes | None = None) -> bytes:
    """One final, masked client frame; a random mask key unless ``key`` is given."""
    key = os.urandom(4) if key is None else key
    length = len(payload)
    if length < 126:
        header = bytes((FIN | opcode, 0x80 | length))
    elif length < 1 << 16:
        header = bytes((FIN | opcode, 0x80 | 126)) + length.to_bytes(2, "big")
    else:
        header = bytes((FIN | opcode, 0x80 | 127)) + length.to_bytes(8, "big")
    return header + key + mask(payload, key)


class FrameReader:
    """Server frames (unmasked), parsed incrementally from the bytes as they arrive.

    ``feed`` returns ``(opcode, payload)`` for every complete control frame and every
    complete message (fragments joined, under the first fragment's opcode); an incomplete
    frame stays buffered until the rest arrives.
    """

    def __init__(self) -> None:
        self._pending = b""
        self._fragments: list[bytes] = []
        self._fragment_opcode = 0

    def feed(self, data: bytes) -> list[tuple[int, bytes]]:
        if self._pending:
            data = self._pending + data
        frames: list[tuple[int, bytes]] = []
        position, end = 0, len(data)
        while end - position >= 2:
            first, second = data[position], data[position + 1]
            if second & 0x80:
                raise ProtocolError("the server masked a frame")
            length, header = second & 0x7F, 2
            if length == 126:
                if end - position < 4:
                    break
                length, header = int.from_bytes(data[position + 2 : position + 4], "big"), 4
            elif length == 127:
                if end - position < 10:
                    break
                length, header = int.from_bytes(data[position + 2 : position + 10], "big"), 10
            start = position + header
            if end - start < length:
                break
            payload = data[start : start + length]
            position = start + length
            opcode = first & 0x0F
            if opcode >= OP_CLOSE:  # control frames are never fragmented
                frames.append((opcode, payload))
            elif opcode == OP_CONTINUATION:
                self._fragments.append(payload)
                if first & FIN:
                    frames.append((self._fragment_opcode, b"".join(self._fragments)))
                    self._fragments = []
            elif first & FIN:
                frames.append((opcode, payload))
            else:
                self._fragment_opcode, self._fragments = opcode, [payload]
        self._pending = data[position:]
        return frames


def handshake_request(host: str, path: str, key: str) -> bytes:
    return (
        f"GET {path} HTTP/1.1\r\n"
        f"Host: {host}\r\n"
        "Upgrade: websocket\r\n"
        "Connection: Upgrade\r\n"
        f"Sec-WebSocket-Key: {key}\r\n"
        "Sec-WebSocket-Version: 13\r\n"
        "Sec-WebSocket-Protocol: graphql-transport-ws\r\n"
        "\r\n"
    ).encode()


def accept_value(key: str) -> str:
    return base64.b64encode(hashlib.sha1(key.encode() + ACCEPT_GUID).digest()).decode()


def check_handshake_response(head: bytes, key: str) -> None:
    """Raises unless ``head`` (up to the blank line) switches to graphql-transport-ws."""
    status, *lines = head.decode("latin-1").split("\r\n")
    if status.split(" ", 2)[1:2] != ["101"]:
        raise ProtocolError(f"handshake refused: {status!r}")
    headers = {
        name.strip().lower(): value.strip()
        for name, _, value in (line.partition(":") for line in lines if line)
    }
    if headers.get("sec-websocket-accept") != accept_value(key):
        raise ProtocolError("bad Sec-WebSocket-Accept")
    if headers.get("sec-websocket-protocol") != "graphql-transport-ws":
        raise ProtocolError(f"subprotocol {headers.get('sec-websocket-protocol')!r}")
