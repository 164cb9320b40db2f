"""GraphQL for `dealChanged` events."""

from __future__ import annotations

import strawberry

from models.crm import CrmEntity
from resolvers import live_deals
from resolvers.crm import records
from resolvers.errors import NotFound
from resolvers.feed import feed_cursor
from schema.context import Info
from schema.crm.deals import Deal
from schema.enums import described_enum
from schema.relay import encode_id

KIND = live_deals.DealChangeKind
DealEventKind = described_enum(
    KIND,
    "What a `dealChanged` event reports.",
    {
        KIND.CREATED: "A deal the subscriber may see was created.",
        KIND.UPDATED: "Fields of the deal changed; `changedFields` names those visible.",
        KIND.STAGE_MOVED: "The deal moved to another stage.",
        KIND.DELETED: "The deal was deleted.",
        KIND.HIDDEN: "The deal left the subscriber's sight (its change or theirs): sent once, "
        "then nothing more about it until it comes back.",
    },
    name="DealEventKind",
)


# Computed from the judged change alone (schema/sharing.py); `deal` is read through the
# viewer's access rules.
DEAL_EVENT_OWN_FIELDS = frozenset({"kind", "dealId", "changedFields", "cursor"})


@strawberry.type(description="A change to a deal the subscriber may see.")
class DealEvent:
    kind: live_deals.DealChangeKind = strawberry.field(description="What happened to the deal.")
    deal_id: strawberry.ID = strawberry.field(
        description="The deal's ID; still given after DELETED or HIDDEN."
    )
    changed_fields: list[str] = strawberry.field(
        description="The fields the change touched, leaving out those hidden from the viewer."
    )
    cursor: str = strawberry.field(description="Where the event sits in the log.")
    deal_pk: strawberry.Private[int]

    @classmethod
    def of(cls, change: live_deals.DealChange) -> DealEvent:
        return cls(
            kind=change.kind,
            deal_id=encode_id("Deal", change.deal_id),
            changed_fields=list(change.changed_fields),
            cursor=feed_cursor(change.seq),
            deal_pk=change.deal_id,
        )

    @strawberry.field(description="The deal as it is now; null once deleted or hidden.")
    async def deal(self, info: Info) -> Deal | None:
        gone = (live_deals.DealChangeKind.DELETED, live_deals.DealChangeKind.HIDDEN)
        if self.kind in gone:
            return None
        try:
            return Deal.of(await records.get_record(info.context, CrmEntity.DEAL, self.deal_pk))
        except NotFound:
            return None
