"""The pages the hub serves to browsers: the dashboard at /, GraphiQL at /graphql, their
static files, all from the hub itself under a self-only Content-Security-Policy."""

from __future__ import annotations

import hashlib
import re

from crmhub.web import WEB_ROOT
from tests.client import GraphQLClient

SCRIPT_OR_STYLE = re.compile(r'<(?:script|link)\b[^>]*?(?:src|href)="([^"]+)"')


async def test_the_dashboard_is_served_at_the_root_under_a_self_only_policy(
    client: GraphQLClient,
) -> None:
    page = await client.http.get("/")

    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    policy = page.headers["content-security-policy"]
    assert "default-src 'self'" in policy
    assert "script-src" not in policy  # scripts fall back to default-src: this origin only
    assert page.headers["x-content-type-options"] == "nosniff"
    assert "<script>" not in page.text  # no inline script: the policy would refuse it
    for asset in SCRIPT_OR_STYLE.findall(page.text):
        assert asset.startswith("/static/"), asset
        assert (await client.http.get(asset)).status_code == 200, asset


async def test_graphiql_is_served_from_the_hub_with_its_assets_pinned(
    client: GraphQLClient,
) -> None:
    page = await client.http.get("/graphql", headers={"Accept": "text/html"})

    assert page.status_code == 200
    assert "https://" not in page.text and "unpkg" not in page.text
    assert "script-src" not in page.headers["content-security-policy"]
    sums = (WEB_ROOT / "vendor" / "SHA384SUMS").read_text().splitlines()
    pinned = {name: digest for digest, name in (line.split() for line in sums)}
    vendored = [asset for asset in SCRIPT_OR_STYLE.findall(page.text) if "/vendor/" in asset]
    assert {asset.rsplit("/", 1)[1] for asset in vendored} == set(pinned)
    for asset in vendored:
        served = await client.http.get(asset)
        assert served.status_code == 200
        assert hashlib.sha384(served.content).hexdigest() == pinned[asset.rsplit("/", 1)[1]]


async def test_static_files_stay_inside_the_web_folder(client: GraphQLClient) -> None:
    for path in ("/static/../crmhub/app.py", "/static/%2e%2e/pyproject.toml", "/static/nothing.js"):
        assert (await client.http.get(path)).status_code == 404, path


async def test_graphql_over_http_is_unchanged_by_the_pages(client: GraphQLClient) -> None:
    answer = await client.http.post("/graphql", json={"query": "{ __typename }"})
    assert answer.json() == {"data": {"__typename": "Query"}}
