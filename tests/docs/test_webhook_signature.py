"""docs/integrations.md's "verifying a signature in ten lines of Python" runs as printed, on
a request the hub really sent to a receiver on loopback."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from pathlib import Path

from crmhub.settings import Settings
from resolvers.webhooks.signing import signature
from tests.factories import Seed
from tests.integrations.webhook_receiver import Receiver
from tests.integrations.webhooks_support import create_hook, new_deal, running

DOC = Path(__file__).resolve().parents[2] / "docs" / "integrations.md"
SECTION = "### Verifying a signature in ten lines of Python"

Verify = Callable[..., bool]


def documented_verify() -> Verify:
    text = DOC.read_text()
    after = text[text.index(SECTION) :]
    block = re.search(r"^```python\n(.*?)^```", after, re.MULTILINE | re.DOTALL)
    assert block is not None
    code = block.group(1)
    assert len([line for line in code.splitlines() if line.strip()]) <= 10
    namespace: dict[str, object] = {}
    exec(compile(code, str(DOC), "exec"), namespace)
    verify = namespace["verify"]
    assert callable(verify)
    return verify


async def test_the_documented_check_accepts_what_the_hub_sends(
    settings: Settings, seed: Seed
) -> None:
    verify = documented_verify()
    receiver = Receiver().start()
    try:
        async with running(settings) as hub:
            admin = hub.client.as_user(await hub.client.login(seed.admin.email))
            secret = (await create_hook(admin, receiver.url, ["DEAL_CREATED"]))["secret"]
            await new_deal(admin, seed.member.id)
            await hub.send()
    finally:
        receiver.stop()
    [request] = receiver.received
    header = request.headers["Crmhub-Signature"]
    assert verify(secret, header, request.body)
    assert not verify(secret, header, request.body + b" ")
    assert not verify("whsec_another", header, request.body)
    # A replay of an old request is refused however well signed.
    stale = signature(secret, int(time.time()) - 3600, request.body)
    assert not verify(secret, stale, request.body)
