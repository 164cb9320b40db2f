"""Every example of README.md and docs/ runs, on the demo data, as the text says it does.

GraphQL blocks run through the public API as the admin unless the text before them names
demo users in an ``<!-- example: as … -->`` comment; the live example runs on a real server
with the ``connection_init`` payload GraphiQL sends; the curl example runs in a shell.
"""

from __future__ import annotations

import asyncio
import json
import re
import shutil
import subprocess
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import websockets
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.applications import Starlette
from websockets import Subprotocol

from crmhub.settings import Settings
from tests.client import GraphQLClient
from tests.demo import demo_loaded
from tests.live_server import TRANSPORT_WS, LiveServer, serve

ROOT = Path(__file__).resolve().parents[2]
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.MULTILINE | re.DOTALL)
VIEWERS = re.compile(r"<!-- example: as ([^>]*?) -->")
ADMIN = "admin@example.com"
INTERN = "nikita.novikov@example.com"


@dataclass(frozen=True)
class Example:
    document: str
    language: str
    text: str
    # Who runs it: the users of an ``<!-- example: as … -->`` comment before it, else the admin.
    viewers: tuple[str, ...]

    @property
    def operation(self) -> str:
        return self.text.lstrip().split(maxsplit=1)[0]


def examples(language: str) -> list[Example]:
    found = []
    for path in DOCUMENTS:
        source = path.read_text()
        previous_end = 0
        for fence in FENCE.finditer(source):
            # A viewers comment applies to the first block after it.
            named = VIEWERS.findall(source, previous_end, fence.start())
            previous_end = fence.end()
            if fence.group(1) == language:
                viewers = tuple(named[-1].split(", ")) if named else (ADMIN,)
                found.append(Example(path.name, language, fence.group(2), viewers))
    return found


def example_id(example: Example) -> str:
    return f"{example.document}:{example.text.split(chr(10))[0][:40]}"


GRAPHQL = examples("graphql")
QUERIES = [example for example in GRAPHQL if example.operation != "subscription"]
SUBSCRIPTIONS = [example for example in GRAPHQL if example.operation == "subscription"]


def test_the_documents_have_examples() -> None:
    assert len(QUERIES) >= 3
    assert SUBSCRIPTIONS


@pytest.fixture
async def demo(settings: Settings, engine: AsyncEngine, app: Starlette) -> Settings:
    await demo_loaded(settings, engine)
    return settings


def amounts(value: Any) -> Iterator[Any]:
    """Every deal amount of an answer: ``amount`` fields, and the per-currency figures of
    reports (``amounts``), which leave out the amounts hidden from the viewer."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "amount":
                yield item
            elif key == "amounts":
                yield from item
            else:
                yield from amounts(item)
    elif isinstance(value, list):
        for item in value:
            yield from amounts(item)


@pytest.mark.parametrize("example", QUERIES, ids=example_id)
async def test_query_examples_answer_without_errors(
    demo: Settings, client: GraphQLClient, example: Example
) -> None:
    for email in example.viewers:
        viewer = client.as_user(await client.login(email))
        data = await viewer.data(example.text)
        assert all(value is not None for value in data.values()), (email, data)
        if email == INTERN:
            # The README's promise: an intern's deal amounts come back null, and reports
            # (which say how many they left out) count none.
            assert '"amount' in json.dumps(data)
            assert all(amount is None for amount in amounts(data))


@pytest.fixture
async def live(demo: Settings, app: Starlette) -> AsyncIterator[LiveServer]:
    async with serve(app) as server:
        yield server


@pytest.mark.parametrize("example", SUBSCRIPTIONS, ids=example_id)
async def test_live_examples_deliver_with_graphiqls_connection_init(
    live: LiveServer, example: Example
) -> None:
    token = await live.login(ADMIN)
    async with websockets.connect(
        live.ws_url, subprotocols=[Subprotocol(TRANSPORT_WS)]
    ) as connection:
        # GraphiQL sends its headers pane as the payload, with the header's own spelling.
        init = {"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}}
        await connection.send(json.dumps(init))
        ack = json.loads(await asyncio.wait_for(connection.recv(), 5))
        assert ack["type"] == "connection_ack", ack
        subscribe = {"type": "subscribe", "id": "1", "payload": {"query": example.text}}
        await connection.send(json.dumps(subscribe))
        await asyncio.sleep(0.3)
        await _change_something(live, token)
        message = json.loads(await asyncio.wait_for(connection.recv(), 5))
    assert message["type"] == "next", message
    assert not message["payload"].get("errors"), message
    assert message["payload"]["data"]


async def _change_something(live: LiveServer, token: str) -> None:
    """A change every live example reacts to: a deal's title and a feed post."""
    deals = await live.graphql("{ deals(first: 1) { edges { node { id title } } } }", token=token)
    [edge] = deals["deals"]["edges"]
    await live.graphql(
        "mutation($id: ID!, $t: String!) { updateDeal(id: $id, input: {title: $t}) { id } }",
        {"id": edge["node"]["id"], "t": edge["node"]["title"] + " (renamed)"},
        token=token,
    )


CURL = [example for example in examples("sh") if "curl" in example.text]


def checks_itself(example: Example) -> bool:
    """A shell example that ends in its own check (``… | grep …``)."""
    return "grep" in example.text.strip().splitlines()[-1]


SHELL = [example for example in CURL if not checks_itself(example)]
SELF_CHECKING = [example for example in CURL if checks_itself(example)]


@pytest.mark.skipif(shutil.which("curl") is None, reason="the curl example needs curl")
@pytest.mark.parametrize("example", SHELL, ids=example_id)
async def test_curl_examples_run(live: LiveServer, example: Example) -> None:
    script = example.text.replace("localhost:8000", live.url.removeprefix("http://"))
    done = await asyncio.to_thread(
        subprocess.run, ["bash", "-euo", "pipefail", "-c", script], capture_output=True, timeout=30
    )
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout.decode().strip().splitlines()[-1])
    assert answer == {"data": {"viewer": {"email": ADMIN}}}


@pytest.mark.skipif(shutil.which("curl") is None, reason="the curl examples need curl")
@pytest.mark.parametrize("example", SELF_CHECKING, ids=example_id)
async def test_self_checking_curl_examples_pass_their_check(
    live: LiveServer, example: Example
) -> None:
    script = example.text.replace("localhost:8000", live.url.removeprefix("http://"))
    done = await asyncio.to_thread(
        subprocess.run, ["bash", "-euo", "pipefail", "-c", script], capture_output=True, timeout=30
    )
    assert done.returncode == 0, (done.stdout, done.stderr)
    assert done.stdout.strip(), "the check printed nothing"
