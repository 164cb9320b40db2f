"""Browser tests: Debian's Chromium driven by Playwright against `crmhub serve` on loopback,
with the demo data. Every page may reach loopback only (anything else is refused and
recorded) and must log no console error. Screenshots go to test-artifacts/ (not in git)."""

from __future__ import annotations

import asyncio
import os
import re
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import (
    Browser,
    ConsoleMessage,
    Locator,
    Page,
    Route,
    WebSocket,
    expect,
    sync_playwright,
)

from tests.browser.hub import Hub
from tests.database import scratch_database
from tests.served_process import crmhub_command

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}
# How long a step may take (a page's first load reads every deal of the board); the timed
# live deliveries pass their own, shorter timeouts.
STEP_MS = 20_000
expect.set_options(timeout=STEP_MS)


# Package scope, never session: Playwright's synchronous API keeps an event loop running in
# this thread while it is open, and every async test after it would fail to start its own.
@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} is missing: `apt-get install -y chromium` (.ci/run does it)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true: {reason}")
        pytest.skip(reason)
    with sync_playwright() as playwright:
        # Playwright's own browser download is not used: Debian's Chromium is.
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM))
        yield launched
        launched.close()


@pytest.fixture(scope="package")
def hub_database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A scratch database (SQLite, or PostgreSQL when the suite runs on it). Made on an event
    loop of its own: Playwright's synchronous API runs one in this thread."""
    configured = os.environ.get("CRMHUB_TEST_DATABASE_URL")
    scratch = scratch_database(configured, tmp_path_factory.mktemp("browser-db"))
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    try:
        yield asyncio.run_coroutine_threadsafe(scratch.__aenter__(), loop).result()
        asyncio.run_coroutine_threadsafe(scratch.__aexit__(None, None, None), loop).result()
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join()
        loop.close()


@pytest.fixture(scope="package")
def hub(
    browser: Browser,
    hub_database_url: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Hub]:
    folder = tmp_path_factory.mktemp("browser-hub")
    broadcast = os.environ.get("CRMHUB_TEST_BROADCAST_URL", "memory://")
    served = Hub(hub_database_url, folder, broadcast)
    served.start()  # migrates
    try:
        crmhub_command(hub_database_url, folder, "demo", broadcast_url=broadcast)
        yield served
    finally:
        served.stop()


class Guard:
    """What a page did that it must not: a request off loopback, a console error."""

    def __init__(self) -> None:
        self.outside: list[str] = []
        self.errors: list[str] = []
        self.allowed: list[re.Pattern[str]] = []

    def allow(self, pattern: str) -> None:
        """Console errors matching ``pattern`` are expected (a server that is down)."""
        self.allowed.append(re.compile(pattern))

    def console(self, message: ConsoleMessage) -> None:
        if message.type == "error" and not any(p.search(message.text) for p in self.allowed):
            self.errors.append(message.text)

    def route(self, route: Route) -> None:
        if urlsplit(route.request.url).hostname in LOOPBACK:
            route.continue_()
        else:
            self.outside.append(route.request.url)
            route.abort("blockedbyclient")

    def websocket(self, socket: WebSocket) -> None:
        if urlsplit(socket.url).hostname not in LOOPBACK:
            self.outside.append(socket.url)


@pytest.fixture
def guard() -> Guard:
    return Guard()


def open_page(browser: Browser, guard: Guard, **options: object) -> Page:
    context = browser.new_context(service_workers="block", **options)  # type: ignore[arg-type]
    context.route("**/*", guard.route)
    page = context.new_page()
    page.on("console", guard.console)
    page.on("pageerror", lambda error: guard.errors.append(f"uncaught: {error}"))
    page.on("websocket", guard.websocket)
    page.set_default_timeout(STEP_MS)
    return page


@pytest.fixture
def page(browser: Browser, hub: Hub, guard: Guard) -> Iterator[Page]:
    opened = open_page(browser, guard, viewport={"width": 1280, "height": 800})
    yield opened
    opened.context.close()
    assert guard.outside == [], "requests off loopback"
    assert guard.errors == [], "console errors"


def screenshot(target: Page | Locator, name: str) -> Path:
    """Into test-artifacts/; a page whole (the dashboard's reports are below the fold)."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / name
    if isinstance(target, Page):
        target.screenshot(path=path, full_page=True)
    else:
        target.screenshot(path=path)
    return path
