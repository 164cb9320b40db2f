"""GraphiQL at /graphql works with no internet: every asset comes from the hub."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.conftest import Guard
from tests.browser.hub import Hub


def test_graphiql_loads_and_shows_the_schema_with_no_outside_network(
    page: Page, hub: Hub, guard: Guard
) -> None:
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))

    page.goto(hub.url + "/graphql")

    editor = page.locator(".graphiql-query-editor")
    expect(editor).to_contain_text("irina.volkova@example.com")  # crmhub's example, not the welcome
    page.get_by_role("button", name="Show Documentation Explorer").click()
    expect(page.locator(".graphiql-doc-explorer")).to_contain_text("Query")
    page.locator(".graphiql-doc-explorer").get_by_text("Query", exact=True).first.click()
    expect(page.locator(".graphiql-doc-explorer")).to_contain_text("pipelines")
    assert guard.outside == []
    assert all(url.startswith(hub.url) for url in requested), requested
    assert any(url.endswith("/static/vendor/graphiql.min.js") for url in requested)


def test_graphiql_runs_the_example_login(page: Page, hub: Hub) -> None:
    page.goto(hub.url + "/graphql")
    expect(page.locator(".graphiql-query-editor")).to_contain_text("mutation Login")

    page.locator(".graphiql-query-editor .CodeMirror").click(position={"x": 200, "y": 250})
    page.keyboard.press("Control+Enter")

    expect(page.locator(".graphiql-response")).to_contain_text('"token"', timeout=5_000)
