"""`pulseChanged` over real websockets: what the pulse counts (activities, tasks, posts,
comments, likes, won deals), changed where the subscriber sees it, updates its figures within
the coalescing window, to the `pulse` query's figures of the moment and to the facts counted
in Python from what the subscriber reads (tests/reports/test_pulse.py's oracle); changes it
does not see push nothing; bursts are coalesced."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from starlette.applications import Starlette

from models import SessionFactory
from tests.client import GraphQLClient
from tests.live_server import LiveServer, Subscription, serve
from tests.reports.conftest import HEAD, INTERN, MANAGER
from tests.reports.live_helpers import burst, pushed_after, user_id
from tests.reports.test_live_reports import MOVE, sales_pipeline
from tests.reports.test_pulse import PULSE, actual_groups, expected_groups, seen_by

SELECTION = PULSE[PULSE.index("dealsWonExcluded") : PULSE.rindex("}")]
PULSE_CHANGED = f"subscription {{ pulseChanged(groupBy: [USER]) {{ {SELECTION} }}"
POST = """mutation($body: String!, $to: [RecipientInput!]!) {
  createPost(input: {body: $body, recipients: $to}) { id } }"""
LIKE = "mutation($id: ID!) { likePost(postId: $id) { id } }"
COMMENT = 'mutation($id: ID!) { addComment(postId: $id, body: "Well done") { id } }'
TASK = """mutation($title: String!, $to: ID) {
  createTask(input: {title: $title, responsibleId: $to}) { id } }"""
UPDATE_TASK = "mutation($id: ID!, $input: TaskPatch!) { updateTask(id: $id, input: $input) { id } }"
COMPLETE_TASK = "mutation($id: ID!) { completeTask(id: $id) { id } }"
ACTIVITY = """mutation($on: ID!) { addActivity(input: {kind: CALL, subject: "Called",
  ownerIds: [$on], completed: true}) { id } }"""
EVERYONE = [{"kind": "ALL"}]

Figures = dict[tuple[Any, ...], Any]
Change = Callable[[], Awaitable[Any]]


class Pulse:
    """One viewer's pulse: its subscription, and the same figures by query and by oracle."""

    def __init__(
        self, server: LiveServer, demo: GraphQLClient, token: str, factory: SessionFactory
    ) -> None:
        self.server, self.token, self.factory = server, token, factory
        self.user = demo.as_user(token)

    async def queried(self) -> Figures:
        answer = await self.server.graphql(
            PULSE, {"groupBy": ["USER"], "period": "MONTH", "tz": "UTC"}, token=self.token
        )
        return by_user(answer["pulse"])

    async def expected(self) -> Figures:
        seen = await seen_by(self.user, self.factory)
        return expected_groups(seen.facts, lambda fact: (fact[0],))

    async def assert_current(self, pushed: dict[str, Any], *, oracle: bool = True) -> None:
        """Pushed figures are the query's at the same moment (and the oracle's)."""
        assert by_user(pushed) == await self.queried()
        if oracle:
            assert by_user(pushed) == await self.expected()


def by_user(report: dict[str, Any]) -> Figures:
    return actual_groups(report, ["userId"])


def count(figures: Figures, user: str | None, measure: str) -> int:
    """The user's figure (everyone's, with None)."""
    if user is None:
        return sum(int(counted.get(measure, 0)) for counted in figures.values())
    return int(figures.get((user,), {}).get(measure, 0))


async def test_what_the_head_sees_done_updates_her_pulse(
    app: Starlette, demo: GraphQLClient, session_factory: SessionFactory
) -> None:
    async with serve(app) as server:
        head = await server.login(HEAD)
        me = await user_id(server, head)
        pulse = Pulse(server, demo, head, session_factory)
        _pipeline, won_stage, open_deals = await sales_pipeline(server, head)
        async with Subscription.open(server, head, PULSE_CHANGED) as subscription:
            first = (await subscription.next())["pulseChanged"]
            await pulse.assert_current(first)
            made: dict[str, Any] = {}

            async def post() -> None:
                made.update(await server.graphql(POST, {"body": "Live", "to": EVERYONE}, head))

            async def task() -> None:
                made.update(await server.graphql(TASK, {"title": "Live", "to": me}, head))

            def done(mutation: str, **variables: Any) -> Change:
                return lambda: server.graphql(mutation, variables, token=head)

            steps: list[tuple[str, Change]] = [
                ("posts", post),
                ("likes", lambda: server.graphql(LIKE, {"id": made["createPost"]["id"]}, head)),
                (
                    "comments",
                    lambda: server.graphql(COMMENT, {"id": made["createPost"]["id"]}, head),
                ),
                ("activity CALL", done(ACTIVITY, on=open_deals[0])),
                ("activitiesCompleted", done(ACTIVITY, on=open_deals[0])),
                ("tasksCreated", task),
                (
                    "tasksCompleted",
                    lambda: server.graphql(COMPLETE_TASK, {"id": made["createTask"]["id"]}, head),
                ),
                ("dealsWon", done(MOVE, d=open_deals[1], s=won_stage)),
            ]
            last = by_user(first)
            for measure, change in steps:
                pushed = await pushed_after(subscription, "pulseChanged", change)
                await pulse.assert_current(pushed, oracle=False)
                now = by_user(pushed)
                # A won deal counts for its responsible, the rest for the head.
                who = None if measure == "dealsWon" else me
                assert count(now, who, measure) == count(last, who, measure) + 1, measure
                last = now

            # A burst of four posts: at most about one push a second, the last one all of it.
            def post_numbered(number: int) -> Change:
                variables = {"body": f"Burst {number}", "to": EVERYONE}
                return lambda: server.graphql(POST, variables, token=head)

            pushes = await burst(subscription, "pulseChanged", [post_numbered(n) for n in range(4)])
            assert count(by_user(pushes[-1]), me, "posts") == count(last, me, "posts") + 4
            await pulse.assert_current(pushes[-1])


async def test_the_intern_is_not_woken_by_what_he_cannot_see(
    app: Starlette, demo: GraphQLClient, session_factory: SessionFactory
) -> None:
    async with serve(app) as server:
        head = await server.login(HEAD)
        intern = await server.login(INTERN)
        manager = await user_id(server, await server.login(MANAGER))
        pulse = Pulse(server, demo, intern, session_factory)
        _pipeline, _won, head_deals = await sales_pipeline(server, head)
        intern_deals = (await sales_pipeline(server, intern))[2]
        hidden_deal = next(deal for deal in head_deals if deal not in intern_deals)
        async with Subscription.open(server, intern, PULSE_CHANGED) as subscription:
            first = (await subscription.next())["pulseChanged"]
            await pulse.assert_current(first)
            to_manager = [{"kind": "USER", "id": manager}]
            await server.graphql(POST, {"body": "Not for him", "to": to_manager}, head)
            await server.graphql(TASK, {"title": "Not his", "to": manager}, head)
            await server.graphql(ACTIVITY, {"on": hidden_deal}, head)
            assert await subscription.nothing_for(1.5)
            await pulse.assert_current(first)

            async def post_to_all() -> None:
                await server.graphql(POST, {"body": "For all", "to": EVERYONE}, head)

            pushed = await pushed_after(subscription, "pulseChanged", post_to_all)
            await pulse.assert_current(pushed)
            me = await user_id(server, head)
            assert count(by_user(pushed), me, "posts") == count(by_user(first), me, "posts") + 1

            # A task he is made responsible for, then handed to someone else: it comes into
            # his sight and leaves it, and his figures follow.
            made: dict[str, Any] = {}

            async def his_task() -> None:
                to_him = {"title": "His", "to": await user_id(server, intern)}
                made.update(await server.graphql(TASK, to_him, token=head))

            with_task = await pushed_after(subscription, "pulseChanged", his_task)
            await pulse.assert_current(with_task, oracle=False)
            created = count(by_user(pushed), me, "tasksCreated")
            assert count(by_user(with_task), me, "tasksCreated") == created + 1

            async def hand_over() -> None:
                patch = {"id": made["createTask"]["id"], "input": {"responsibleId": manager}}
                await server.graphql(UPDATE_TASK, patch, token=head)

            without = await pushed_after(subscription, "pulseChanged", hand_over)
            await pulse.assert_current(without)
            assert count(by_user(without), me, "tasksCreated") == created
