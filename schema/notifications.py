"""GraphQL for the viewer's notifications."""

from __future__ import annotations

from datetime import datetime

import strawberry

from models import Notification as NotificationRow
from resolvers import notifications
from schema.context import Info
from schema.relay import Connection, Node, decode_id, node_fetcher, page_request
from schema.subjects import ActorAndSubject

strawberry.enum(notifications.NotificationKind)


# Computed from the notification alone (schema/sharing.py); `actor` and `subject` are read
# through the viewer's access rules.
NOTIFICATION_OWN_FIELDS = frozenset({"id", "kind", "read", "createdAt", "text"})


@strawberry.type
class Notification(ActorAndSubject, Node):
    kind: notifications.NotificationKind
    read: bool
    created_at: datetime
    text: str

    @classmethod
    def of(cls, row: NotificationRow | notifications.LiveNotification) -> Notification:
        return cls(
            pk=row.id,
            kind=notifications.NotificationKind(row.kind),
            read=row.read,
            created_at=row.created_at,
            text=row.text,
            actor_pk=row.actor_id,
            subject_type=row.subject_type,
            subject_pk=row.subject_id,
        )


@node_fetcher("Notification")
async def fetch_notification(info: Info, pk: int) -> Notification:
    return Notification.of(await notifications.get_notification(info.context, pk))


@strawberry.type
class NotificationQueries:
    @strawberry.field(description="The viewer's notifications: unread first, then newest.")
    async def notifications(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        unread_only: bool = False,
        kinds: list[notifications.NotificationKind] | None = None,
    ) -> Connection[Notification]:
        page = await notifications.list_notifications(
            info.context,
            unread_only,
            frozenset(kinds or []),
            page_request(first, after, last, before),
        )
        return Connection.of(page, Notification.of)

    @strawberry.field
    async def unread_notification_count(self, info: Info) -> int:
        return await notifications.unread_count(info.context)


@strawberry.type
class NotificationMutations:
    @strawberry.mutation(
        description="Marks the given notifications (or, with all: true, every one) read; "
        "returns how many changed."
    )
    async def mark_notifications_read(
        self, info: Info, ids: list[strawberry.ID] | None = None, all: bool = False
    ) -> int:
        pks = None if ids is None else [decode_id(id, "Notification", "ids") for id in ids]
        return await notifications.mark_read(info.context, pks, all)
