"""What the webhook tests share: a hub app with fast retries, GraphQL documents, a deal maker."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
from starlette.applications import Starlette

from crmhub.app import create_app
from crmhub.settings import Settings
from crmhub.webhook_worker import WebhookWorker
from schema.relay import encode_id
from tests.client import GraphQLClient
from tests.crm.api import default_pipeline

# Retries within a fraction of a second, so that a test can wait for them.
FAST: dict[str, Any] = {
    "webhook_retry_base_seconds": 0.05,
    "webhook_retry_max_seconds": 0.2,
    "webhook_max_attempts": 10,
    "webhook_disable_after_failures": 3,
}

CREATE_HOOK = """
mutation($input: CreateWebhookInput!) {
  createWebhook(input: $input) {
    secret
    webhook { id url eventKinds active description filter { pipelineId responsibleId }
              owner { email } }
  }
}"""
UPDATE_HOOK = """
mutation($id: ID!, $input: UpdateWebhookInput!) {
  updateWebhook(id: $id, input: $input) { id active consecutiveFailures disabledReason url }
}"""
DELETE_HOOK = "mutation($id: ID!) { deleteWebhook(id: $id) }"
HOOKS = "{ webhooks { id url active consecutiveFailures disabledReason } }"
DELIVERIES = """
query($id: ID!, $status: WebhookDeliveryStatus) {
  webhookDeliveries(webhookId: $id, first: 100, status: $status) {
    totalCount
    edges { node { id status eventKind eventId eventSeq attempts lastResponseCode lastError
                   nextAttemptAt lastAttemptAt deliveredAt payload } }
  }
}"""
CREATE_DEAL = "mutation($input: DealInput!) { createDeal(input: $input) { id } }"
MOVE_DEAL = "mutation($id: ID!, $stage: ID!) { moveDeal(id: $id, stageId: $stage) { id } }"
UPDATE_DEAL = (
    "mutation($id: ID!, $title: String!) { updateDeal(id: $id, input: {title: $title}) { id } }"
)
CREATE_LEAD = 'mutation { createLead(input: {title: "A lead"}) { id } }'


@dataclass
class Hub:
    app: Starlette
    client: GraphQLClient

    @property
    def worker(self) -> WebhookWorker:
        worker: WebhookWorker = self.app.state.webhooks
        return worker

    async def send(self) -> int:
        """One pass of the sender, as the background loop makes it."""
        return await self.worker.run_once()


@asynccontextmanager
async def running(settings: Settings, **overrides: Any) -> AsyncIterator[Hub]:
    app = create_app(settings.model_copy(update=FAST | overrides))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
        async with httpx.AsyncClient(transport=transport, base_url="http://crmhub.test") as http:
            yield Hub(app, GraphQLClient(http))


async def create_hook(
    admin: GraphQLClient, url: str, kinds: list[str], **extra: Any
) -> dict[str, Any]:
    data = await admin.data(CREATE_HOOK, {"input": {"url": url, "eventKinds": kinds} | extra})
    created: dict[str, Any] = data["createWebhook"]
    return created


async def deliveries(
    admin: GraphQLClient, hook_id: str, status: str | None = None
) -> list[dict[str, Any]]:
    data = await admin.data(DELIVERIES, {"id": hook_id, "status": status})
    return [edge["node"] for edge in data["webhookDeliveries"]["edges"]]


async def new_deal(admin: GraphQLClient, owner_id: int, title: str = "A deal") -> str:
    pipeline = await default_pipeline(admin)
    data = await admin.data(
        CREATE_DEAL,
        {
            "input": {
                "title": title,
                "pipelineId": pipeline["id"],
                "stageId": pipeline["stages"][0]["id"],
                "amount": "100.00",
                "assignedToId": encode_id("User", owner_id),
                "opened": False,
            }
        },
    )
    deal_id: str = data["createDeal"]["id"]
    return deal_id


async def move_to_second_stage(admin: GraphQLClient, deal_id: str) -> None:
    pipeline = await default_pipeline(admin)
    await admin.data(MOVE_DEAL, {"id": deal_id, "stage": pipeline["stages"][1]["id"]})


def verified(secret: str, header: str, body: bytes) -> bool:
    """The receiver's check of ``Crmhub-Signature``."""
    parts = dict(part.split("=", 1) for part in header.split(","))
    expected = hmac.new(secret.encode(), f"{parts['t']}.".encode() + body, hashlib.sha256)
    return hmac.compare_digest(expected.hexdigest(), parts["v1"])
