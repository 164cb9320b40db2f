"""GraphQL for the feed: posts, comments and task changes the viewer may see."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry.scalars import JSON

from models import Event
from resolvers import feed
from schema.context import Info
from schema.relay import Connection, Node, node_fetcher, page_request
from schema.subjects import ActorAndSubject
from subscriptions.events import EventKind
from subscriptions.records import EventRecord

strawberry.enum(EventKind, name="FeedEventKind")


# Computed from the event alone: subscribers selecting only these share one answer, whoever
# they are (schema/sharing.py). `actor` and `subject` go through the viewer's access rules.
FEED_EVENT_OWN_FIELDS = frozenset({"id", "kind", "occurredAt", "changes", "cursor"})


@strawberry.type
class FeedEvent(ActorAndSubject, Node):
    kind: EventKind
    occurred_at: datetime
    changes: JSON = strawberry.field(description="{field: [old, new]}")
    cursor: str = strawberry.field(
        description="Where this event sits in the log; pass it as `after` to resume from it."
    )

    @classmethod
    def of(cls, row: Event | EventRecord) -> FeedEvent:
        return cls(
            pk=row.seq,
            kind=EventKind(row.kind),
            occurred_at=row.occurred_at,
            changes=JSON(row.changes),
            cursor=feed.feed_cursor(row.seq),
            actor_pk=row.actor_id,
            subject_type=row.subject_type,
            subject_pk=row.subject_id,
        )


@node_fetcher("FeedEvent")
async def fetch_feed_event(info: Info, pk: int) -> FeedEvent:
    return FeedEvent.of(await feed.get_event(info.context, pk))


@strawberry.type
class FeedQueries:
    @strawberry.field(
        description="What happened in posts, tasks and CRM records the viewer sees, newest first."
    )
    async def feed(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        kinds: list[EventKind] | None = None,
    ) -> Connection[FeedEvent]:
        page = await feed.list_feed(
            info.context, frozenset(kinds or []), page_request(first, after, last, before)
        )
        return Connection.of(page, FeedEvent.of)
