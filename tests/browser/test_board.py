"""The dashboard's header, deal board and notifications in Chromium, against the demo data."""

from __future__ import annotations

import re
import time

from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import STEP_MS, Guard, open_page, screenshot
from tests.browser.dashboard import (
    board_is_live,
    card,
    column,
    funnel_figure,
    log_in,
    notifications_are_live,
    reports_show,
    stage_total,
)
from tests.browser.hub import (
    ADMIN,
    HEAD_OF_SALES,
    INTERN,
    MOVE,
    POST,
    Hub,
    default_pipeline,
    funnel_of,
    movable_deals,
    pipelines,
    stage_counts,
    stage_of,
)

UNREAD = "{ notifications(first: 1, unreadOnly: true) { totalCount } }"


def test_the_head_of_sales_logs_in_and_sees_who_she_is(page: Page, hub: Hub) -> None:
    log_in(page, hub, HEAD_OF_SALES)

    expect(page.locator("#viewer-name")).to_have_text("Irina Volkova")
    expect(page.locator("#viewer-role")).to_contain_text("Head of sales")
    expect(page.locator("#viewer-department")).to_contain_text("Sales")
    unread = hub.as_user(HEAD_OF_SALES, UNREAD)["notifications"]["totalCount"]
    expect(page.locator("#notifications-button .badge")).to_have_text(str(unread))
    assert page.locator(".card").count() > 0
    screenshot(page, "dashboard.png")
    screenshot(page.locator("#totals"), "totals.png")
    screenshot(page.locator("#board"), "board.png")
    screenshot(page.locator("#feed"), "feed.png")


def test_a_deal_moved_through_the_api_by_another_user_moves_on_the_board(
    page: Page, hub: Hub
) -> None:
    log_in(page, hub, HEAD_OF_SALES)
    board_is_live(page, hub, HEAD_OF_SALES)
    deal = movable_deals(hub, HEAD_OF_SALES)[0]
    target = deal.allowed_stage_ids[0]
    expect(column(page, deal.stage_id).locator(card(page, deal.id))).to_be_visible()

    hub.as_user(ADMIN, MOVE, {"id": deal.id, "stage": target})

    expect(column(page, target).locator(card(page, deal.id))).to_be_visible(timeout=1_000)
    expect(card(page, deal.id)).to_have_count(1)


def test_a_card_dragged_to_another_stage_is_moved_in_the_database(page: Page, hub: Hub) -> None:
    log_in(page, hub, HEAD_OF_SALES)
    deal = movable_deals(hub, HEAD_OF_SALES)[1]
    target = deal.allowed_stage_ids[-1]

    card(page, deal.id).drag_to(column(page, target))

    expect(column(page, target).locator(card(page, deal.id))).to_be_visible()
    _wait_for_stage(hub, deal.id, target)


def test_a_card_moved_with_the_keyboard_is_moved_in_the_database(page: Page, hub: Hub) -> None:
    log_in(page, hub, HEAD_OF_SALES)
    deal = movable_deals(hub, HEAD_OF_SALES)[2]
    target = deal.allowed_stage_ids[0]
    select = card(page, deal.id).get_by_role("combobox")

    select.focus()
    select.select_option(target)  # what arrow keys and Enter do on a focused select

    expect(column(page, target).locator(card(page, deal.id))).to_be_visible()
    _wait_for_stage(hub, deal.id, target)
    # Focus stays on the card's stage select, so the keyboard user can go on.
    expect(card(page, deal.id).get_by_role("combobox")).to_be_focused()


def test_the_intern_sees_hidden_amounts_as_hidden_and_no_won_deals(page: Page, hub: Hub) -> None:
    log_in(page, hub, INTERN)

    cards = page.locator(".card")
    assert cards.count() > 0
    expect(page.locator(".card .amount")).to_have_text(["hidden"] * cards.count())
    won = [s["id"] for s in default_pipeline(hub, INTERN)["stages"] if s["semantics"] == "SUCCESS"]
    assert won
    for stage_id in won:
        expect(column(page, stage_id).locator(".card")).to_have_count(0)
    # He may move nothing: no card is draggable, every stage select is disabled.
    expect(page.locator('.card[draggable="true"]')).to_have_count(0)
    expect(page.locator(".card select:enabled")).to_have_count(0)
    # The totals add up no amount he may not see, and say how many they left out; the stages
    # where he may read no deal (won) are not counted, in the totals or in the funnel.
    pipeline = default_pipeline(hub, INTERN)
    reports_show(page, hub, INTERN, pipeline, timeout=STEP_MS)
    for stage_id in won:
        expect(stage_total(page, stage_id)).to_have_text("not counted")
    readable = page.locator("#totals .totals-row:not(.unreadable) .totals-sums")
    sums = readable.all_inner_texts()
    assert sums and all(re.fullmatch(r"\d+ amounts hidden|—", text) for text in sums), sums
    assert any(text != "—" for text in sums)
    expect(funnel_figure(page, "won")).to_have_text("won not counted")
    expect(funnel_figure(page, "win-rate")).to_have_text("win rate not counted")
    to_won = page.locator("#funnel .funnel-won")
    expect(to_won).to_have_text(["to won not counted"] * to_won.count())
    expect(page.locator("#funnel .funnel-note")).to_contain_text("Not counted: Won")


def test_the_totals_and_the_funnel_follow_a_deal_moved_by_another_user(
    page: Page, hub: Hub
) -> None:
    log_in(page, hub, HEAD_OF_SALES)
    board_is_live(page, hub, HEAD_OF_SALES)
    pipeline = default_pipeline(hub, HEAD_OF_SALES)
    # The probe's move reaches the reports within their coalescing second.
    reports_show(page, hub, HEAD_OF_SALES, pipeline, timeout=STEP_MS)
    deal = movable_deals(hub, HEAD_OF_SALES)[4]
    lost_stage = next(s["id"] for s in pipeline["stages"] if s["semantics"] == "FAILURE")
    counts = stage_counts(hub, HEAD_OF_SALES, pipeline)
    in_lost, in_stage = counts[lost_stage], counts[deal.stage_id]
    assert in_lost is not None and in_stage is not None, "she reads every stage"
    lost = funnel_of(hub, HEAD_OF_SALES, pipeline)["lost"]
    lost_total = stage_total(page, lost_stage)
    expect(lost_total).to_have_text(f"{in_lost} deals")

    hub.as_user(ADMIN, MOVE, {"id": deal.id, "stage": lost_stage})

    # The reports recompute at most once a second: a few seconds cover it.
    expect(lost_total).to_have_text(f"{in_lost + 1} deals", timeout=5_000)
    expect(stage_total(page, deal.stage_id)).to_have_text(f"{in_stage - 1} deals")
    expect(funnel_figure(page, "lost")).to_have_text(f"{lost + 1} lost", timeout=5_000)
    expect(funnel_figure(page, "win-rate")).to_have_text(re.compile(r"win rate \d+%"))
    reports_show(page, hub, HEAD_OF_SALES, pipeline, timeout=1_000)


def test_the_totals_and_the_funnel_follow_the_pipeline_on_the_board(page: Page, hub: Hub) -> None:
    log_in(page, hub, HEAD_OF_SALES)
    other = next(p for p in pipelines(hub, HEAD_OF_SALES) if not p["isDefault"])

    page.get_by_label("Pipeline").select_option(other["id"])

    reports_show(page, hub, HEAD_OF_SALES, other, timeout=STEP_MS)
    expect(page.locator("#totals")).to_have_attribute("data-ready", "true")
    expect(page.locator("#funnel")).to_have_attribute("data-ready", "true")
    screenshot(page.locator("#funnel"), "funnel.png")


def test_notifications_arrive_live_and_are_marked_read(page: Page, hub: Hub) -> None:
    log_in(page, hub, HEAD_OF_SALES)
    badge = page.locator("#notifications-button .badge")
    irina = hub.as_user(HEAD_OF_SALES, "{ viewer { id } }")["viewer"]["id"]
    notifications_are_live(page, hub, irina)
    before = hub.as_user(HEAD_OF_SALES, UNREAD)["notifications"]["totalCount"]

    hub.as_user(ADMIN, POST, {"body": "For Irina", "recipients": [{"kind": "USER", "id": irina}]})

    expect(badge).to_have_text(str(before + 1), timeout=1_000)
    page.locator("#notifications-button").click()
    expect(page.locator("#notifications .note.unread").first).to_be_visible()
    page.get_by_role("button", name="Mark all read").click()
    expect(badge).to_be_hidden()
    assert hub.as_user(HEAD_OF_SALES, UNREAD)["notifications"]["totalCount"] == 0


def test_a_revoked_token_returns_to_the_login_screen(page: Page, hub: Hub) -> None:
    log_in(page, hub, HEAD_OF_SALES)
    token = page.evaluate("sessionStorage.getItem('crmhub.token')")

    hub.graphql("mutation { logout }", token=token)

    expect(page.get_by_role("button", name="Log in")).to_be_visible()
    expect(page.locator("#login-error")).to_contain_text("log in again")
    assert page.evaluate("sessionStorage.getItem('crmhub.token')") is None


def test_a_phone_sized_screen_stacks_the_panels(browser: Browser, hub: Hub) -> None:
    guard = Guard()
    phone = open_page(browser, guard, viewport={"width": 390, "height": 844}, has_touch=True)
    try:
        log_in(phone, hub, HEAD_OF_SALES)
        board, feed = phone.locator("#board").bounding_box(), phone.locator("#feed").bounding_box()
        assert board and feed
        assert feed["y"] >= board["y"] + board["height"], "the feed comes below the board"
        assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        screenshot(phone, "phone.png")
    finally:
        phone.context.close()
    assert guard.outside == [] and guard.errors == []


def _wait_for_stage(hub: Hub, deal_id: str, stage_id: str) -> None:
    deadline = time.monotonic() + 5
    while stage_of(hub, deal_id) != stage_id:
        assert time.monotonic() < deadline, "the move never reached the database"
        time.sleep(0.05)
