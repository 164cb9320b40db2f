"""GraphQL for the viewer's notifications."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

from models import Notification as NotificationRow
from resolvers import notifications
from schema.context import Info
from schema.enums import described_enum
from schema.relay import (
    After,
    Before,
    Connection,
    First,
    Last,
    Node,
    decode_id,
    node_fetcher,
    page_request,
)
from schema.subjects import ActorAndSubject

KIND = notifications.NotificationKind
described_enum(
    KIND,
    "Why the viewer was told; `subject` is the thing named.",
    {
        KIND.TASK_ASSIGNED: "The viewer became a task's responsible, accomplice or auditor.",
        KIND.TASK_STATUS_CHANGED: "A task the viewer takes part in changed status.",
        KIND.TASK_COMMENTED: "A task the viewer takes part in was commented on (subject: the "
        "comment).",
        KIND.POST_ADDRESSED: "A post reached the viewer.",
        KIND.POST_COMMENTED: "The viewer's post was commented on (subject: the comment).",
        KIND.POST_LIKED: "The viewer's post was liked.",
        KIND.LEAD_ASSIGNED: "Someone else made the viewer responsible for a lead.",
        KIND.CONTACT_ASSIGNED: "Someone else made the viewer responsible for a contact.",
        KIND.COMPANY_ASSIGNED: "Someone else made the viewer responsible for a company.",
        KIND.DEAL_ASSIGNED: "Someone else made the viewer responsible for a deal.",
        KIND.WEBHOOK_DISABLED: "A webhook the viewer created was disabled after too many "
        "failed deliveries (`subject` is null; see `webhooks`).",
        KIND.AUTOMATION: "An automation rule said something about a record.",
    },
)


# Computed from the notification alone (schema/sharing.py); `actor` and `subject` are read
# through the viewer's access rules.
NOTIFICATION_OWN_FIELDS = frozenset({"id", "kind", "read", "createdAt", "text"})


@strawberry.type(
    description="Something that happened to or for the viewer, told to them alone; never "
    "about the viewer's own actions."
)
class Notification(ActorAndSubject, Node):
    kind: notifications.NotificationKind = strawberry.field(description="Why it was sent.")
    read: bool = strawberry.field(description="Marked read (markNotificationsRead).")
    created_at: datetime = strawberry.field(description="When it was sent.")
    text: str = strawberry.field(
        description="A one-line summary for display, written when it was sent (it does not "
        "follow later renames)."
    )

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
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
        unread_only: Annotated[
            bool, strawberry.argument(description="Only the notifications not yet read.")
        ] = False,
        kinds: Annotated[
            list[notifications.NotificationKind] | None,
            strawberry.argument(description="Only these kinds; all when null."),
        ] = None,
    ) -> Connection[Notification]:
        page = await notifications.list_notifications(
            info.context,
            unread_only,
            frozenset(kinds or []),
            page_request(first, after, last, before),
        )
        return Connection.of(page, Notification.of)

    @strawberry.field(description="How many of the viewer's notifications are unread.")
    async def unread_notification_count(self, info: Info) -> int:
        return await notifications.unread_count(info.context)


@strawberry.type
class NotificationMutations:
    @strawberry.mutation(
        description="Marks the given notifications (or, with all: true, every one) read; "
        "returns how many changed."
    )
    async def mark_notifications_read(
        self,
        info: Info,
        ids: Annotated[
            list[strawberry.ID] | None,
            strawberry.argument(description="The viewer's notifications to mark read."),
        ] = None,
        all: Annotated[
            bool, strawberry.argument(description="Mark every unread notification read.")
        ] = False,
    ) -> int:
        pks = None if ids is None else [decode_id(id, "Notification", "ids") for id in ids]
        return await notifications.mark_read(info.context, pks, all)
