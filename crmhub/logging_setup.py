"""Logging for `crmhub serve`: one JSON object per line on stderr (or plain text, for a
terminal), each carrying the request id, viewer id and operation of the request it belongs to.

Secrets never reach the output: every line, and the traceback with it, passes through
``redact``, which blanks bearer tokens, password-like JSON members and the statement
parameters SQLAlchemy quotes in its errors (they may hold a token's hash or a password hash).
"""

from __future__ import annotations

import logging
import re
import sys
from datetime import UTC, datetime
from typing import Any

import orjson

from crmhub.request_log import current_request_log
from models import API_KEY_MARK

REDACTED = "[redacted]"
_SECRETS = [
    (re.compile(r"(?i)(bearer\s+)[^\s\"',;]+"), rf"\1{REDACTED}"),
    # An API key anywhere: its shown prefix stays, its secret goes.
    (re.compile(rf"({re.escape(API_KEY_MARK)}[0-9a-f]{{12}})_[\w-]+"), rf"\1_{REDACTED}"),
    (
        re.compile(
            r"(?i)([\"']?(?:password|newpassword|token|secret|authorization|x-api-key)[\"']?\s*[:=]\s*)"
            r"(\"[^\"]*\"|'[^']*'|[^\s,;&}]+)"
        ),
        rf"\1{REDACTED}",
    ),
    (re.compile(r"\[parameters: .*?\]\n?", re.DOTALL), f"[parameters: {REDACTED}]\n"),
]
CONTEXT_FIELDS = ("request_id", "viewer_id", "operation")
# Attributes every LogRecord has: anything else on a record came in ``extra``.
_STANDARD_ATTRIBUTES = frozenset(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {
    "message",
    "asctime",
    "taskName",
}


def redact(text: str) -> str:
    for pattern, replacement in _SECRETS:
        text = pattern.sub(replacement, text)
    return text


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": redact(record.getMessage()),
        }
        entry.update(_context(record))
        for name, value in record.__dict__.items():
            if name not in _STANDARD_ATTRIBUTES and name not in entry and value is not None:
                entry[name] = redact(value) if isinstance(value, str) else value
        if record.exc_info:
            entry["exception"] = redact(self.formatException(record.exc_info))
        return orjson.dumps(entry, default=str).decode()


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        line = redact(super().format(record))
        context = " ".join(f"{name}={value}" for name, value in _context(record).items())
        return f"{line} [{context}]" if context else line


def _context(record: logging.LogRecord) -> dict[str, Any]:
    """The request's fields, from the record's ``extra`` when given, else the running one."""
    request = current_request_log()
    found = {}
    for name in CONTEXT_FIELDS:
        value = getattr(record, name, None)
        if value is None and request is not None:
            value = getattr(request, name)
        if value is not None:
            found[name] = value
    return found


def configure_logging(level: str = "INFO", log_format: str = "json") -> None:
    """The root logger writes every record, uvicorn's included, in ``log_format``. uvicorn's
    own access log is left off: ``crmhub.access`` replaces it (crmhub/request_log.py)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if log_format == "json" else TextFormatter())
    root = logging.getLogger()
    for existing in list(root.handlers):
        root.removeHandler(existing)
    root.addHandler(handler)
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.propagate = True
    logging.getLogger("uvicorn.access").disabled = True
