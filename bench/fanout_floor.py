"""The fan-out floor: one frame written to every subscribed socket, and nothing else.

Served by uvicorn exactly like the hub (same protocol class, same frame writer from the
ASGI scope, same core), it speaks just enough graphql-transport-ws for the fan-out client:
``connection_ack`` to any ``connection_init``, a subscriber per ``subscribe``, and for every
``POST /graphql`` one ``next`` message stamped with the time, written to every subscriber in
one loop. No GraphQL, no database, no judgement: what is left is the server's socket writes
and the client's reading, so the hub's figure beside it shows what the hub itself adds.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from crmhub.websocket import FRAMES_EXTENSION
from subscriptions.express import text_frame

Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]

_subscribers: list[Any] = []  # the frame writers of subscribed sockets


def _next_message(number: int) -> bytes:
    feed = {
        "cursor": str(number),
        "kind": "POST_CREATED",
        "occurredAt": datetime.now(UTC).isoformat(),
    }
    message = {"id": "1", "type": "next", "payload": {"data": {"feed": feed}}}
    return text_frame(json.dumps(message, separators=(",", ":")).encode())


async def app(scope: dict[str, Any], receive: Receive, send: Send) -> None:
    if scope["type"] == "websocket":
        await _websocket(scope, receive, send)
    elif scope["type"] == "http":
        await _http(scope, receive, send)


async def _websocket(scope: dict[str, Any], receive: Receive, send: Send) -> None:
    frames = scope.get("extensions", {}).get(FRAMES_EXTENSION)
    await receive()  # websocket.connect
    await send({"type": "websocket.accept", "subprotocol": "graphql-transport-ws"})
    try:
        while True:
            event = await receive()
            if event["type"] == "websocket.disconnect":
                return
            kind = json.loads(event.get("text") or "{}").get("type")
            if kind == "connection_init":
                await send({"type": "websocket.send", "text": '{"type":"connection_ack"}'})
            elif kind == "subscribe" and frames is not None:
                _subscribers.append(frames)
    finally:
        if frames in _subscribers:
            _subscribers.remove(frames)


_posts = 0


async def _http(scope: dict[str, Any], receive: Receive, send: Send) -> None:
    global _posts
    more = True
    while more:  # the request body, read and dropped
        more = (await receive()).get("more_body", False)
    answer = b'{"status":"ok"}'
    if scope["method"] == "POST":
        answer = b'{"data":{"createPost":{"id":"1"}}}'
    headers = [(b"content-type", b"application/json")]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": answer})
    if scope["method"] == "POST":
        _posts += 1
        frame = _next_message(_posts)
        for frames in _subscribers:
            frames.write(frame)
