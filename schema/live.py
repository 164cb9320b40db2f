"""The root Subscription's event streams: live streams over graphql-transport-ws and graphql-ws.

Each stream yields what its subscriber sees of an event, presented for sharing
(schema/sharing.py): subscribers with the same selection and the same view of an event
share one execution of it. While a stream is idle, the hub writes its events straight to
the socket through the subscription's express lane (schema/express.py) instead.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Annotated

import strawberry

from resolvers import live, live_deals
from resolvers.live_deals import DealChange
from resolvers.notifications import LiveNotification
from schema.context import Info
from schema.deal_events import DEAL_EVENT_OWN_FIELDS, DealEvent
from schema.express import direct_lane
from schema.feed import FEED_EVENT_OWN_FIELDS, FeedEvent, FeedKinds
from schema.notifications import NOTIFICATION_OWN_FIELDS, Notification
from schema.relay import decode_optional_id
from schema.sharing import Presenter, Sharing
from subscriptions.records import EventRecord

# Masking only ever drops keys of `changes`: which ones are left is the view.
FEED_EVENTS = Presenter[EventRecord, FeedEvent](
    FeedEvent.of, lambda record: (record.seq, frozenset(record.changes))
)
# A notification has one recipient: only their own open subscriptions share it.
NOTIFICATIONS = Presenter[LiveNotification, Notification](
    Notification.of, lambda notification: notification.id
)
# The change as judged for this viewer (kind, masked fields) is the whole view.
DEAL_CHANGES = Presenter[DealChange, DealEvent](DealEvent.of, lambda change: change)


@strawberry.type
class LiveSubscriptions:
    @strawberry.subscription(
        description="Every feed event the viewer may see, in log order. With `after` (a cursor "
        "from a previous event or from the `feed` query) it first replays what was missed, "
        "then continues live: no gap, no repeat."
    )
    async def feed(
        self,
        info: Info,
        after: Annotated[
            str | None,
            strawberry.argument(
                description="Replay the events after this cursor first; live events only when null."
            ),
        ] = None,
        kinds: FeedKinds = None,
    ) -> AsyncGenerator[FeedEvent, None]:
        wanted = [kind.value for kind in kinds or []]
        sharing = Sharing.of(info, FEED_EVENT_OWN_FIELDS, FEED_EVENTS)
        express = direct_lane(sharing)
        async for record in live.feed_stream(info.context, after, wanted, express):
            yield sharing.event(record)

    @strawberry.subscription(description="The viewer's new notifications, as they happen.")
    async def notifications(self, info: Info) -> AsyncGenerator[Notification, None]:
        sharing = Sharing.of(info, NOTIFICATION_OWN_FIELDS, NOTIFICATIONS)
        express = direct_lane(sharing)
        async for notification in live.notification_stream(info.context, express):
            yield sharing.event(notification)

    @strawberry.subscription(
        description="Created, updated, stage-moved and deleted deals the viewer may see, with "
        "the fields that changed; a deal that leaves the viewer's sight yields one HIDDEN event."
    )
    async def deal_changed(
        self,
        info: Info,
        pipeline_id: Annotated[
            strawberry.ID | None,
            strawberry.argument(description="Only the deals of this pipeline."),
        ] = None,
        deal_id: Annotated[
            strawberry.ID | None, strawberry.argument(description="Only this deal.")
        ] = None,
    ) -> AsyncGenerator[DealEvent, None]:
        sharing = Sharing.of(info, DEAL_EVENT_OWN_FIELDS, DEAL_CHANGES)
        changes = live_deals.deal_changes(
            info.context,
            decode_optional_id(pipeline_id, "Pipeline", "pipelineId"),
            decode_optional_id(deal_id, "Deal", "dealId"),
            direct_lane(sharing),
        )
        async for change in changes:
            yield sharing.event(change)
