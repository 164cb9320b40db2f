"""GraphQL for outgoing webhooks: administrators subscribe URLs to event kinds and watch the
deliveries (docs/integrations.md, "Webhooks")."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Annotated

import strawberry

from models import Webhook as WebhookRow
from models import WebhookDelivery as DeliveryRow
from resolvers.webhooks import admin
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
    decode_optional_id,
    encode_id,
    node_fetcher,
    page_request,
)
from schema.users import User, load_user
from subscriptions.events import EventKind


class WebhookDeliveryStatus(enum.Enum):
    PENDING = "PENDING"
    DELIVERED = "DELIVERED"
    FAILED = "FAILED"


described_enum(
    WebhookDeliveryStatus,
    "Where a delivery stands.",
    {
        WebhookDeliveryStatus.PENDING: "Not yet accepted by the receiver: waiting for its turn "
        "or for its next attempt.",
        WebhookDeliveryStatus.DELIVERED: "The receiver answered 2xx.",
        WebhookDeliveryStatus.FAILED: "Every attempt failed; it is not sent again unless "
        "redelivered (redeliverWebhookDelivery).",
    },
)


@strawberry.type(description="The records a webhook is narrowed to; null fields do not narrow.")
class WebhookFilter:
    pipeline_id: strawberry.ID | None = strawberry.field(
        description="Only events of deals in this pipeline."
    )
    responsible_id: strawberry.ID | None = strawberry.field(
        description="Only events of CRM records this user is responsible for."
    )


@strawberry.input(
    description="Narrows a webhook to some CRM records: an event passes when its record (as "
    "the event left it) matches every field given. Posts, tasks and comments match no filter."
)
class WebhookFilterInput:
    pipeline_id: strawberry.ID | None = strawberry.field(
        default=None, description="Only events of deals in this pipeline."
    )
    responsible_id: strawberry.ID | None = strawberry.field(
        default=None, description="Only events of CRM records this user is responsible for."
    )


@strawberry.type(
    description="Admin only: a URL sent every event of the chosen kinds that its owner (the "
    "administrator who created it) may see, as a signed JSON POST, at least once and in order "
    "per record."
)
class Webhook(Node):
    url: str = strawberry.field(description="Where events are POSTed (http or https).")
    description: str = strawberry.field(description="What it is for.")
    event_kinds: list[EventKind] = strawberry.field(description="The kinds it is sent.")
    filter: WebhookFilter | None = strawberry.field(description="Null when not narrowed.")
    active: bool = strawberry.field(
        description="False when switched off, or disabled after too many failed deliveries."
    )
    consecutive_failures: int = strawberry.field(
        description="Deliveries given up in a row (reset by one delivered, or on re-enabling)."
    )
    disabled_reason: str | None = strawberry.field(
        description="Why it was disabled automatically; null otherwise."
    )
    created_at: datetime = strawberry.field(description="When it was created.")
    owner_id: strawberry.Private[int]

    @classmethod
    def of(cls, row: WebhookRow) -> Webhook:
        stored = row.filter or {}
        narrowed = WebhookFilter(
            pipeline_id=_optional_id("Pipeline", stored.get("pipelineId")),
            responsible_id=_optional_id("User", stored.get("responsibleId")),
        )
        return cls(
            pk=row.id,
            url=row.url,
            description=row.description,
            event_kinds=[EventKind(kind) for kind in row.event_kinds],
            filter=narrowed if stored else None,
            active=row.active,
            consecutive_failures=row.consecutive_failures,
            disabled_reason=row.disabled_reason,
            created_at=row.created_at,
            owner_id=row.owner_id,
        )

    @strawberry.field(description="Whose sight the deliveries follow; null once removed.")
    async def owner(self, info: Info) -> User | None:
        return await load_user(info, self.owner_id)


def _optional_id(type_name: str, pk: int | None) -> strawberry.ID | None:
    return None if pk is None else encode_id(type_name, pk)


@strawberry.type(description="One event to send to one webhook, and how sending it went.")
class WebhookDelivery(Node):
    status: WebhookDeliveryStatus = strawberry.field(description="Where it stands.")
    event_kind: EventKind = strawberry.field(description="The event's kind, as sent.")
    event_seq: int = strawberry.field(description="The event's place in the log.")
    attempts: int = strawberry.field(description="Requests made so far.")
    last_response_code: int | None = strawberry.field(
        description="The HTTP status of the last answer; null before any, or without one."
    )
    last_error: str | None = strawberry.field(
        description="Why the last attempt failed (shortened); null after a success."
    )
    next_attempt_at: datetime | None = strawberry.field(
        description="When it is sent next, if still PENDING (after the records before it)."
    )
    last_attempt_at: datetime | None = strawberry.field(
        description="When it was last sent; null before the first attempt."
    )
    delivered_at: datetime | None = strawberry.field(description="When the receiver took it.")
    created_at: datetime = strawberry.field(description="When the event was queued for it.")
    payload: str = strawberry.field(description="The JSON body sent.")

    @strawberry.field(description="The event's ID, as sent in `Crmhub-Event-Id`.")
    def event_id(self) -> strawberry.ID:
        return encode_id("FeedEvent", self.event_seq)

    @classmethod
    def of(cls, row: DeliveryRow) -> WebhookDelivery:
        return cls(
            pk=row.id,
            status=WebhookDeliveryStatus(row.status),
            event_kind=EventKind(row.event_kind),
            event_seq=row.event_seq,
            attempts=row.attempts,
            last_response_code=row.last_response_code,
            last_error=row.last_error,
            next_attempt_at=row.next_attempt_at if row.status == "PENDING" else None,
            last_attempt_at=row.last_attempt_at,
            delivered_at=row.delivered_at,
            created_at=row.created_at,
            payload=row.payload,
        )


@strawberry.type(description="A new webhook and its signing secret, which is never shown again.")
class CreatedWebhook:
    secret: str = strawberry.field(
        description="Keys the HMAC of `Crmhub-Signature` (`whsec_…`): store it with the receiver."
    )
    webhook: Webhook = strawberry.field(description="The webhook.")


@strawberry.input(description="A new webhook.")
class CreateWebhookInput:
    url: str = strawberry.field(description="An absolute http:// or https:// URL.")
    event_kinds: list[EventKind] = strawberry.field(description="The kinds to send (one or more).")
    filter: WebhookFilterInput | None = strawberry.field(
        default=None, description="Narrow it to some CRM records; null for every record."
    )
    description: str = strawberry.field(
        default="", description=f"What it is for, up to {admin.MAX_DESCRIPTION} characters."
    )


@strawberry.input(description="Changes to a webhook; null fields stay as they are.")
class UpdateWebhookInput:
    url: str | None = strawberry.field(default=None, description="A new URL.")
    event_kinds: list[EventKind] | None = strawberry.field(
        default=None, description="The kinds to send from now on."
    )
    description: str | None = strawberry.field(default=None, description="What it is for.")
    active: bool | None = strawberry.field(
        default=None,
        description="Switch it off or on. On again: its failures are forgotten, pending "
        "deliveries are sent at once and it resumes from the events of now.",
    )


@node_fetcher("Webhook")
async def fetch_webhook(info: Info, pk: int) -> Webhook:
    return Webhook.of(await admin.get_webhook(info.context, pk))


@strawberry.type
class WebhookQueries:
    @strawberry.field(
        description=f"Admin only: the webhooks, oldest first (at most {admin.MAX_LISTED})."
    )
    async def webhooks(self, info: Info) -> list[Webhook]:
        return [Webhook.of(row) for row in await admin.list_webhooks(info.context)]

    @strawberry.field(description="Admin only: a webhook's deliveries, newest first.")
    async def webhook_deliveries(
        self,
        info: Info,
        webhook_id: Annotated[strawberry.ID, strawberry.argument(description="The webhook.")],
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
        status: Annotated[
            WebhookDeliveryStatus | None,
            strawberry.argument(description="Only deliveries in this state."),
        ] = None,
    ) -> Connection[WebhookDelivery]:
        page = await admin.list_deliveries(
            info.context,
            decode_id(webhook_id, "Webhook", "webhookId"),
            None if status is None else status.value,
            page_request(first, after, last, before),
        )
        return Connection.of(page, WebhookDelivery.of)


@strawberry.type
class WebhookMutations:
    @strawberry.mutation(
        description="Admin only: subscribes a URL to event kinds. Events from now on are sent, "
        "as the creator may see them. The answer holds the signing secret; nothing else will."
    )
    async def create_webhook(
        self,
        info: Info,
        input: Annotated[CreateWebhookInput, strawberry.argument(description="The webhook.")],
    ) -> CreatedWebhook:
        given = input.filter
        new = admin.NewWebhook(
            url=input.url,
            event_kinds=input.event_kinds,
            description=input.description,
            filter=None
            if given is None
            else admin.WebhookFilter(
                pipeline_id=decode_optional_id(given.pipeline_id, "Pipeline", "filter.pipelineId"),
                responsible_id=decode_optional_id(
                    given.responsible_id, "User", "filter.responsibleId"
                ),
            ),
        )
        secret, row = await admin.create_webhook(info.context, new)
        return CreatedWebhook(secret=secret, webhook=Webhook.of(row))

    @strawberry.mutation(description="Admin only: changes a webhook, or switches it off or on.")
    async def update_webhook(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="The webhook.")],
        input: Annotated[UpdateWebhookInput, strawberry.argument(description="The changes.")],
    ) -> Webhook:
        patch = admin.WebhookPatch(
            url=input.url,
            event_kinds=input.event_kinds,
            description=input.description,
            active=input.active,
        )
        row = await admin.update_webhook(info.context, decode_id(id, "Webhook"), patch)
        return Webhook.of(row)

    @strawberry.mutation(
        description="Admin only: deletes a webhook and its deliveries; once it answers, nothing "
        "more is sent to the URL. Returns the deleted ID."
    )
    async def delete_webhook(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="The webhook.")],
    ) -> strawberry.ID:
        await admin.delete_webhook(info.context, decode_id(id, "Webhook"))
        return id

    @strawberry.mutation(
        description="Admin only: sends a delivery again, with fresh attempts, after the "
        "pending deliveries of the same record before it."
    )
    async def redeliver_webhook_delivery(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="The delivery.")],
    ) -> WebhookDelivery:
        row = await admin.redeliver(info.context, decode_id(id, "WebhookDelivery"))
        return WebhookDelivery.of(row)
