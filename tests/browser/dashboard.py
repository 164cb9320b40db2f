"""The dashboard page as the tests drive it."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Locator, Page, expect

from tests.browser.hub import ADMIN, MOVE, POST, Hub, funnel_of, movable_deals, stage_counts


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


# The hub registers a subscription a moment after the page sends it, and graphql-transport-ws
# confirms nothing: a change made in between reaches no one (dealChanged and notifications
# have no cursor to replay from). Tests that time live delivery first see one get through.
PROBES = 10


def board_is_live(page: Page, hub: Hub, email: str) -> None:
    probe = movable_deals(hub, email)[-1].id
    for _ in range(PROBES):
        deal = next(deal for deal in movable_deals(hub, email) if deal.id == probe)
        target = deal.allowed_stage_ids[0]
        hub.as_user(ADMIN, MOVE, {"id": deal.id, "stage": target})
        try:
            expect(column(page, target).locator(card(page, deal.id))).to_be_visible(timeout=2_000)
        except AssertionError:
            continue
        return
    raise AssertionError("no deal change reached the board")


def notifications_are_live(page: Page, hub: Hub, user_id: str) -> None:
    badge = page.locator("#notifications-button .badge")
    for _ in range(PROBES):
        shown = int(badge.inner_text())
        hub.as_user(ADMIN, POST, {"body": "Probe", "recipients": [{"kind": "USER", "id": user_id}]})
        try:
            expect(badge).to_have_text(str(shown + 1), timeout=2_000)
        except AssertionError:
            continue
        return
    raise AssertionError("no notification reached the page")


def stage_total(page: Page, stage_id: str) -> Locator:
    """The deal count of a stage in the totals panel."""
    return page.locator(f'#totals .totals-row[data-stage-id="{stage_id}"] .totals-count')


def funnel_reached(page: Page, stage_id: str) -> Locator:
    return page.locator(f'#funnel .funnel-row[data-stage-id="{stage_id}"] .funnel-reached')


def funnel_figure(page: Page, name: str) -> Locator:
    """An overall figure of the funnel: deals, won, lost, win-rate."""
    return page.locator(f'#funnel [data-figure="{name}"]')


def reports_show(page: Page, hub: Hub, email: str, pipeline: dict[str, Any], timeout: int) -> None:
    """The totals and the funnel on the page are the hub's figures for ``email`` now."""
    counts = stage_counts(hub, email, pipeline)
    funnel = funnel_of(hub, email, pipeline)
    expect(page.locator("#totals .totals-row")).to_have_count(len(counts), timeout=timeout)
    for stage_id, count in counts.items():
        shown = "not counted" if count is None else f"{count} deals"
        expect(stage_total(page, stage_id)).to_have_text(shown, timeout=timeout)
    expect(funnel_figure(page, "lost")).to_have_text(f"{funnel['lost']} lost", timeout=timeout)
    expect(page.locator("#funnel .funnel-row")).to_have_count(len(funnel["stages"]))
    for stage in funnel["stages"]:
        reached = funnel_reached(page, stage["stageId"])
        expect(reached).to_have_text(f"{stage['reached']} reached", timeout=timeout)
