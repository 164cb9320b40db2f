"""The dashboard page as the tests drive it."""

from __future__ import annotations

from playwright.sync_api import Locator, Page, expect

from tests.browser.hub import Hub


def log_in(page: Page, hub: Hub, email: str) -> None:
    page.goto(hub.url + "/")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill("demo")
    page.get_by_role("button", name="Log in").click()
    expect(page.locator("#board")).to_have_attribute("data-ready", "true")
    expect(page.locator("#feed")).to_have_attribute("data-ready", "true")
    expect(page.locator("#status")).to_have_text("live")


def card(page: Page, deal_id: str) -> Locator:
    return page.locator(f'.card[data-deal-id="{deal_id}"]')


def column(page: Page, stage_id: str) -> Locator:
    return page.locator(f'.column[data-stage-id="{stage_id}"]')


def feed_entries(page: Page, text: str) -> Locator:
    return page.locator("#feed .entry", has_text=text)
