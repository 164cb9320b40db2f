"""Capture of what the server logs, formatted as `crmhub serve` formats it."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from crmhub.logging_setup import JsonFormatter

# uvicorn's loggers do not propagate to the root under its default configuration (the
# live-server tests use it): listen to theirs directly, and let its error log through.
LISTENED = ("", "uvicorn")
LEVELLED = (*LISTENED, "uvicorn.error")
# The test's own clients log what they send (URLs, headers): not the server's logs.
CLIENT_LOGGERS = ("httpx", "httpcore", "websockets.client")


class CapturedLogs:
    def __init__(self) -> None:
        self.stream = io.StringIO()
        self.records: list[logging.LogRecord] = []

    @property
    def text(self) -> str:
        return self.stream.getvalue()

    def lines(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.text.splitlines() if line.startswith("{")]


class _Handler(logging.StreamHandler[io.StringIO]):
    def __init__(self, captured: CapturedLogs) -> None:
        super().__init__(captured.stream)
        self.captured = captured
        self.setFormatter(JsonFormatter())

    def emit(self, record: logging.LogRecord) -> None:
        if record.name.startswith(CLIENT_LOGGERS):
            return
        self.captured.records.append(record)
        super().emit(record)


@contextmanager
def captured_logs(level: int = logging.INFO) -> Iterator[CapturedLogs]:
    captured = CapturedLogs()
    handler = _Handler(captured)
    levelled = [logging.getLogger(name) for name in LEVELLED]
    levels = [logger.level for logger in levelled]
    for logger in levelled:
        logger.setLevel(level)
    for name in LISTENED:
        logging.getLogger(name).addHandler(handler)
    try:
        yield captured
    finally:
        for name in LISTENED:
            logging.getLogger(name).removeHandler(handler)
        for logger, previous in zip(levelled, levels, strict=True):
            logger.setLevel(previous)
