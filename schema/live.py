"""The root Subscription: live streams over graphql-transport-ws and graphql-ws."""

from __future__ import annotations

from collections.abc import AsyncGenerator

import strawberry

from resolvers import live
from schema.context import Info
from schema.feed import FeedEvent
from schema.notifications import Notification
from subscriptions.events import EventKind


@strawberry.type
class Subscription:
    @strawberry.subscription(
        description="Every feed event the viewer may see, in log order. With `after` (a cursor "
        "from a previous event or from the `feed` query) it first replays what was missed, "
        "then continues live: no gap, no repeat."
    )
    async def feed(
        self, info: Info, after: str | None = None, kinds: list[EventKind] | None = None
    ) -> AsyncGenerator[FeedEvent, None]:
        wanted = [kind.value for kind in kinds or []]
        async for record in live.feed_stream(info.context, after, wanted):
            yield FeedEvent.of(record)

    @strawberry.subscription(description="The viewer's new notifications, as they happen.")
    async def notifications(self, info: Info) -> AsyncGenerator[Notification, None]:
        async for notification in live.notification_stream(info.context):
            yield Notification.of(notification)
