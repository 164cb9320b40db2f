"""`feed(after:)` replays what the `feed` query shows after the cursor, nothing more: deleted
posts and their comments, deleted deals, deals reassigned away and tasks the viewer left are
not replayed."""

from __future__ import annotations

import asyncio
from typing import Any

from starlette.applications import Starlette

from tests.collaboration.factories import Company, Users, gid
from tests.crm_feed.world import sales_world
from tests.live_server import LiveServer, Subscription, serve

LIVE = "subscription($after: String) { feed(after: $after) { cursor kind } }"
QUERY = "query { feed(first: 100) { edges { node { cursor kind } } } }"
POST = """mutation($body: String!) {
  createPost(input: {body: $body, recipients: [{kind: ALL}]}) { id }
}"""
COMMENT = 'mutation($post: ID!) { addComment(postId: $post, body: "a comment") { id } }'
DELETE_POST = "mutation($id: ID!) { deletePost(id: $id) }"
DEAL = "mutation($input: DealInput!) { createDeal(input: $input) { id } }"
DELETE_DEAL = "mutation($id: ID!) { deleteDeal(id: $id) }"
REASSIGN = """mutation($id: ID!, $to: ID!) {
  updateDeal(id: $id, input: {assignedToId: $to}) { id }
}"""
TASK = """mutation($input: TaskInput!) { createTask(input: $input) { id } }"""
DROP_ACCOMPLICES = "mutation($id: ID!) { updateTask(id: $id, input: {accomplicesIds: []}) { id } }"


async def _feed_query(server: LiveServer, token: str) -> list[dict[str, Any]]:
    edges = (await server.graphql(QUERY, token=token))["feed"]["edges"]
    return [edge["node"] for edge in edges]


async def test_replay_after_a_cursor_is_what_the_feed_query_shows(
    app: Starlette, company: Company, users: Users
) -> None:
    await sales_world(company, users)  # Nina reads her own deals
    nina_id, ada_id = gid("User", company.nina.id), gid("User", company.ada.id)
    async with serve(app) as server:
        ada = await server.login(company.ada.email)
        nina = await server.login(company.nina.email)

        async def run(query: str, **variables: Any) -> dict[str, Any]:
            return await server.graphql(query, variables, token=ada)

        await run(POST, body="before the cursor")
        cursor = (await _feed_query(server, nina))[0]["cursor"]

        deleted_post = (await run(POST, body="deleted later"))["createPost"]["id"]
        await run(COMMENT, post=deleted_post)
        await run(DELETE_POST, id=deleted_post)
        deal_input = {"title": "Nina's", "amount": "5", "assignedToId": nina_id}
        deleted_deal = (await run(DEAL, input=deal_input))["createDeal"]["id"]
        await run(DELETE_DEAL, id=deleted_deal)
        reassigned = (await run(DEAL, input=deal_input))["createDeal"]["id"]
        await run(REASSIGN, id=reassigned, to=ada_id)
        task_input = {"title": "Left", "responsibleId": ada_id, "accomplicesIds": [nina_id]}
        task = (await run(TASK, input=task_input))["createTask"]["id"]
        await run(DROP_ACCOMPLICES, id=task)
        await run(POST, body="still there")
        await run(DEAL, input=deal_input)

        shown = await _feed_query(server, nina)
        expected = list(reversed(shown[: [e["cursor"] for e in shown].index(cursor)]))
        assert [event["kind"] for event in expected] == ["POST_CREATED", "DEAL_CREATED"]
        async with Subscription.open(server, nina, LIVE, {"after": cursor}) as feed:
            replayed = [(await feed.next())["feed"] for _ in expected]
            assert replayed == expected
            assert await feed.nothing_for(0.3)
            await run(POST, body="live")
            assert (await feed.next())["feed"]["kind"] == "POST_CREATED"


async def test_replay_stops_where_live_delivery_begins(
    app: Starlette, company: Company, users: Users
) -> None:
    await sales_world(company, users)
    async with serve(app) as server:
        ada = await server.login(company.ada.email)
        nina = await server.login(company.nina.email)
        await server.graphql(POST, {"body": "first"}, token=ada)
        cursor = (await _feed_query(server, nina))[0]["cursor"]
        for index in range(5):
            await server.graphql(POST, {"body": f"missed {index}"}, token=ada)
        async with Subscription.open(server, nina, LIVE, {"after": cursor}) as feed:
            replayed = [(await feed.next())["feed"]["cursor"] for _ in range(5)]
            await asyncio.sleep(0.2)
            await server.graphql(POST, {"body": "live"}, token=ada)
            live = (await feed.next())["feed"]["cursor"]
            assert len({*replayed, live}) == 6
            assert await feed.nothing_for(0.3)
