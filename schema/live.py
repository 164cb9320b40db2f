"""The root Subscription: live streams over graphql-transport-ws and graphql-ws."""

from __future__ import annotations

from collections.abc import AsyncGenerator

import strawberry

from resolvers import live, live_deals
from schema.context import Info
from schema.deal_events import DealEvent
from schema.feed import FeedEvent
from schema.notifications import Notification
from schema.relay import decode_optional_id
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

    @strawberry.subscription(
        description="Created, updated, stage-moved and deleted deals the viewer may see, with "
        "the fields that changed; a deal that leaves the viewer's sight yields one HIDDEN event."
    )
    async def deal_changed(
        self,
        info: Info,
        pipeline_id: strawberry.ID | None = None,
        deal_id: strawberry.ID | None = None,
    ) -> AsyncGenerator[DealEvent, None]:
        changes = live_deals.deal_changes(
            info.context,
            decode_optional_id(pipeline_id, "Pipeline", "pipelineId"),
            decode_optional_id(deal_id, "Deal", "dealId"),
        )
        async for change in changes:
            yield DealEvent.of(change)
