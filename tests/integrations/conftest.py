"""Fixtures the integration tests share."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.integrations.webhook_receiver import Receiver


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A real HTTP server on a free loopback port, recording what webhooks post to it."""
    receiver = Receiver().start()
    try:
        yield receiver
    finally:
        receiver.stop()
