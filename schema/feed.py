"""GraphQL for the feed: posts, comments and task changes the viewer may see."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry
from strawberry.scalars import JSON

from models import Event
from resolvers import feed
from resolvers.change_values import presented_changes
from schema.context import Info
from schema.enums import described_enum
from schema.relay import (
    After,
    Before,
    Connection,
    First,
    Last,
    Node,
    node_fetcher,
    page_request,
)
from schema.subjects import ActorAndSubject
from subscriptions.events import EventKind
from subscriptions.records import EventRecord

KIND = EventKind
described_enum(
    KIND,
    "What happened; `subject` is the thing it happened to.",
    {
        KIND.TASK_CREATED: "A task was created.",
        KIND.TASK_UPDATED: "A task's fields, participants or links changed.",
        KIND.TASK_STATUS_CHANGED: "A task moved in its workflow to a status other than COMPLETED.",
        KIND.TASK_COMPLETED: "A task became COMPLETED.",
        KIND.TASK_CHECKLIST_CHANGED: "A task's checklist gained, lost, ticked or reordered items.",
        KIND.TASK_DELETED: "A task was deleted (subject: null from then on).",
        KIND.TASK_OVERDUE: "A task passed its deadline unfinished (no actor: time did it); "
        "once per deadline.",
        KIND.POST_CREATED: "A post was published.",
        KIND.POST_UPDATED: "A post was edited.",
        KIND.POST_DELETED: "A post was deleted (subject: null from then on).",
        KIND.POST_LIKED: "Someone liked a post.",
        KIND.POST_UNLIKED: "Someone took their like of a post back.",
        KIND.COMMENT_ADDED: "A post or task was commented on (subject: the comment).",
        KIND.COMMENT_UPDATED: "A comment was edited.",
        KIND.COMMENT_DELETED: "A comment was deleted.",
        KIND.LEAD_CREATED: "A lead was created.",
        KIND.LEAD_UPDATED: "A lead's fields changed.",
        KIND.LEAD_DELETED: "A lead was deleted.",
        KIND.CONTACT_CREATED: "A contact was created.",
        KIND.CONTACT_UPDATED: "A contact's fields changed.",
        KIND.CONTACT_DELETED: "A contact was deleted.",
        KIND.COMPANY_CREATED: "A company was created.",
        KIND.COMPANY_UPDATED: "A company's fields changed.",
        KIND.COMPANY_DELETED: "A company was deleted.",
        KIND.DEAL_CREATED: "A deal was created.",
        KIND.DEAL_UPDATED: "A deal's fields changed.",
        KIND.DEAL_DELETED: "A deal was deleted.",
        KIND.DEAL_STAGE_MOVED: "A deal moved to another stage (moveDeal).",
        KIND.LEAD_CONVERTED: "A lead was converted; `changes` names the records made or "
        "linked from it.",
        KIND.LEAD_MERGED: "Other leads were merged into this one (mergeLeads); `changes` holds "
        "its changed fields, `mergedIds` and `mergedNames` the merged leads (each also has "
        "its LEAD_DELETED).",
        KIND.CONTACT_MERGED: "Other contacts were merged into this one (mergeContacts); "
        "`changes` as for LEAD_MERGED.",
        KIND.COMPANY_MERGED: "Other companies were merged into this one (mergeCompanies); "
        "`changes` as for LEAD_MERGED.",
    },
    name="FeedEventKind",
)


# Computed from the event alone: subscribers selecting only these share one answer, whoever
# they are (schema/sharing.py). `actor` and `subject` go through the viewer's access rules.
FEED_EVENT_OWN_FIELDS = frozenset({"id", "kind", "occurredAt", "changes", "cursor"})


@strawberry.type(
    description="One entry of the event log, as the viewer may see it: who did what to "
    "which post, comment, task or CRM record."
)
class FeedEvent(ActorAndSubject, Node):
    kind: EventKind = strawberry.field(description="What happened.")
    occurred_at: datetime = strawberry.field(description="When it happened.")
    changes: JSON = strawberry.field(
        description="What changed, as a JSON object {field: [old, new]}: references as "
        "global IDs (a list of them where a field holds several), flags as booleans, whole "
        "numbers as numbers, other values as text; each field always in the same JSON type. "
        "Fields the viewer may not see (field rules) are left out, never shown masked."
    )
    cursor: str = strawberry.field(
        description="Where this event sits in the log; pass it as `after` to resume from it."
    )

    @classmethod
    def of(cls, row: Event | EventRecord) -> FeedEvent:
        return cls(
            pk=row.seq,
            kind=EventKind(row.kind),
            occurred_at=row.occurred_at,
            changes=JSON(presented_changes(row.subject_type, row.changes)),
            cursor=feed.feed_cursor(row.seq),
            actor_pk=row.actor_id,
            subject_type=row.subject_type,
            subject_pk=row.subject_id,
        )


@node_fetcher("FeedEvent")
async def fetch_feed_event(info: Info, pk: int) -> FeedEvent:
    return FeedEvent.of(await feed.get_event(info.context, pk))


FeedKinds = Annotated[
    list[EventKind] | None,
    strawberry.argument(
        description="Only events of these kinds; all when null. FORBIDDEN for a kind that "
        "tells a field some role of yours hides (LEAD_CONVERTED: a lead's status; "
        "DEAL_STAGE_MOVED: a deal's stage): such events show to you as plain updates."
    ),
]


@strawberry.type
class FeedQueries:
    @strawberry.field(
        description="What happened in posts, tasks and CRM records the viewer sees, newest first."
    )
    async def feed(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
        kinds: FeedKinds = None,
    ) -> Connection[FeedEvent]:
        page = await feed.list_feed(
            info.context, frozenset(kinds or []), page_request(first, after, last, before)
        )
        return Connection.of(page, FeedEvent.of)
