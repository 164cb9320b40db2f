"""The live feed in Chromium: posts made elsewhere appear, posts made here reach the API, and
a restarted server is rejoined from the last cursor with nothing lost or repeated."""

from __future__ import annotations

import uuid

from playwright.sync_api import Page, expect

from tests.browser.conftest import Guard
from tests.browser.dashboard import card, column, feed_entries, log_in, reports_show
from tests.browser.hub import (
    ADMIN,
    HEAD_OF_SALES,
    MOVE,
    POST,
    Hub,
    default_pipeline,
    movable_deals,
)

EVERYONE = [{"kind": "ALL"}]
POSTS = "{ posts(first: 5) { edges { node { body likeCount commentCount } } } }"


def test_a_post_made_through_the_api_appears_in_the_feed(page: Page, hub: Hub) -> None:
    log_in(page, hub, HEAD_OF_SALES)
    text = f"Quarter closed early {uuid.uuid4().hex[:6]}"

    hub.as_user(ADMIN, POST, {"body": text, "recipients": EVERYONE})

    expect(feed_entries(page, text)).to_have_count(1, timeout=1_000)
    expect(feed_entries(page, text).locator("strong").first).to_have_text("Alexei Orlov")


def test_posting_commenting_and_liking_from_the_page(page: Page, hub: Hub) -> None:
    log_in(page, hub, HEAD_OF_SALES)
    text = f"Coffee in the lobby {uuid.uuid4().hex[:6]}"

    page.get_by_label("New post").fill(text)
    page.get_by_role("button", name="Post", exact=True).click()
    entry = page.locator("#feed .entry.post_created", has_text=text)
    expect(entry).to_have_count(1)
    entry.get_by_label("Comment").fill("On my way")
    entry.get_by_role("button", name="Reply").click()
    expect(feed_entries(page, "On my way")).to_have_count(1)
    entry.locator(".like").click()
    expect(entry.locator(".like")).to_have_attribute("aria-pressed", "true")
    expect(entry.locator(".comments")).to_have_text("1 comments")

    posts = hub.as_user(ADMIN, POSTS)
    mine = [edge["node"] for edge in posts["posts"]["edges"] if edge["node"]["body"] == text]
    assert mine == [{"body": text, "likeCount": 1, "commentCount": 1}]


def test_the_page_reconnects_and_resumes_after_the_server_restarts(
    page: Page, hub: Hub, guard: Guard
) -> None:
    log_in(page, hub, HEAD_OF_SALES)
    # While the server is down Chromium reports each failed attempt to reconnect.
    guard.allow(r"WebSocket connection to .* failed|ERR_CONNECTION_REFUSED")
    deal = movable_deals(hub, HEAD_OF_SALES)[3]
    target = deal.allowed_stage_ids[0]

    hub.stop()
    expect(page.locator("#status")).to_have_text("reconnecting…")
    hub.start()
    # Made as soon as the server is back, before or after the page has rejoined: either way
    # the post arrives once (replayed after the page's last cursor, or live).
    missed = f"Posted during the restart {uuid.uuid4().hex[:6]}"
    hub.as_user(ADMIN, POST, {"body": missed, "recipients": EVERYONE})
    hub.as_user(ADMIN, MOVE, {"id": deal.id, "stage": target})

    expect(page.locator("#status")).to_have_text("live", timeout=10_000)
    expect(feed_entries(page, missed)).to_have_count(1)
    expect(column(page, target).locator(card(page, deal.id))).to_be_visible()
    # The reports subscribed again: the hub sends their figures at once, the move included.
    reports_show(page, hub, HEAD_OF_SALES, default_pipeline(hub, HEAD_OF_SALES), timeout=5_000)
    later = f"Posted after the restart {uuid.uuid4().hex[:6]}"
    hub.as_user(ADMIN, POST, {"body": later, "recipients": EVERYONE})
    expect(feed_entries(page, later)).to_have_count(1, timeout=1_000)
    expect(feed_entries(page, missed)).to_have_count(1)
