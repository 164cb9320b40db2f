"""Activity events (what wakes `pulseChanged`) are logged in the change's transaction with
the envelopes of the records the activity is bound to, and are never feed entries."""

from __future__ import annotations

from sqlalchemy import select

from models import Event, SessionFactory
from resolvers.crm.activity_events import ACTIVITY, ACTIVITY_CHANGED
from tests.client import GraphQLClient
from tests.conftest import logged_in
from tests.reports.conftest import HEAD
from tests.reports.test_pulse import pk_of

DEAL = "{ deals(first: 1) { edges { node { id assignedTo { id } } } } }"
ADD = """mutation($on: ID!) { addActivity(input: {kind: NOTE, subject: "Noted",
  ownerIds: [$on]}) { id } }"""
COMPLETE = "mutation($id: ID!) { completeActivity(id: $id) { id } }"
DELETE = "mutation($id: ID!) { deleteActivity(id: $id) }"
FEED = "{ feed(first: 1) { totalCount } }"


async def activity_events(session_factory: SessionFactory) -> list[Event]:
    async with session_factory() as session:
        rows = await session.scalars(
            select(Event).where(Event.kind == ACTIVITY_CHANGED).order_by(Event.seq)
        )
        return list(rows)


async def test_activity_changes_are_logged_for_live_reports_not_for_the_feed(
    demo: GraphQLClient, session_factory: SessionFactory
) -> None:
    head = await logged_in(demo, HEAD)
    admin = await logged_in(demo, "admin@example.com")
    [edge] = (await head.data(DEAL))["deals"]["edges"]
    feed_before = [(await user.data(FEED))["feed"]["totalCount"] for user in (head, admin)]
    logged_before = len(await activity_events(session_factory))

    added = (await head.data(ADD, {"on": edge["node"]["id"]}))["addActivity"]["id"]
    await head.data(COMPLETE, {"id": added})
    await head.data(DELETE, {"id": added})

    logged = (await activity_events(session_factory))[logged_before:]
    assert [sorted(event.changes) for event in logged] == [
        ["assignedToId", "completed", "kind"],
        ["completed"],
        ["deleted"],
    ]
    for event in logged:
        assert (event.subject_type, event.scope_type) == (ACTIVITY, ACTIVITY)
        [owner] = event.envelope["owners"]
        assert owner["entity"] == "DEAL"
        assert owner["responsibleId"] == pk_of(edge["node"]["assignedTo"]["id"])
    # No feed entry, not even for the administrator.
    assert [(await user.data(FEED))["feed"]["totalCount"] for user in (head, admin)] == (
        feed_before
    )
