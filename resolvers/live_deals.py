"""`dealChanged`: deal events judged per subscriber, in memory, against its compiled policy.

Every deal event carries the deal's access envelope after the change and, when the change
could move the deal in or out of someone's sight (a new responsible, stage or `opened`),
the envelope before it as ``previous``. A subscriber who could see the deal before and no
longer can gets one HIDDEN event with only the id; fields hidden from it are left out of
``changedFields``. No query is made to decide any of this.

A change of the subscriber's rights replaces its policy (resolvers/live_sight.py); the
policies it held before are kept, so that a deal they showed and the new one hides yields
HIDDEN at its next event, once.
"""

from __future__ import annotations

import enum
from collections.abc import AsyncGenerator, Hashable
from contextlib import aclosing
from dataclasses import dataclass, field
from typing import Any

from auth.policy.compiled import CompiledPolicy
from auth.policy.levels import Envelope
from auth.viewer import Viewer
from models import AccessAction
from models.crm import CrmEntity
from resolvers.access.cache import cache_key
from resolvers.context import RequestContext
from resolvers.crm.event_access import masked_changes, seen_kind
from resolvers.live import ended_on_close
from resolvers.live_sight import realtime_of, renewed_sight
from subscriptions.express import Express
from subscriptions.hub import See
from subscriptions.records import EventRecord
from subscriptions.streams import follow


class DealChangeKind(enum.Enum):
    CREATED = "CREATED"
    UPDATED = "UPDATED"
    STAGE_MOVED = "STAGE_MOVED"
    DELETED = "DELETED"
    HIDDEN = "HIDDEN"


EVENT_KINDS = {
    "DEAL_CREATED": DealChangeKind.CREATED,
    "DEAL_UPDATED": DealChangeKind.UPDATED,
    "DEAL_STAGE_MOVED": DealChangeKind.STAGE_MOVED,
    "DEAL_DELETED": DealChangeKind.DELETED,
}


MAX_FORMER_POLICIES = 4


@dataclass(frozen=True)
class DealChange:
    kind: DealChangeKind
    deal_id: int
    changed_fields: tuple[str, ...]
    seq: int


@dataclass(frozen=True)
class DealWatch:
    """What one subscriber asked for: all deals, one pipeline, or one deal."""

    policy: CompiledPolicy
    pipeline_id: int | None = None
    deal_id: int | None = None
    # The policies the subscriber held before changes of rights, oldest first (the last
    # few: rights rarely change twice before a deal's next event).
    former: tuple[CompiledPolicy, ...] = ()
    # Deals told HIDDEN because a change of rights took them out of sight.
    _lost: set[int] = field(default_factory=set, compare=False)

    def after_rights_change(self, policy: CompiledPolicy) -> DealWatch:
        """The same watch under the subscriber's new ``policy``."""
        former = (*self.former, self.policy)[-MAX_FORMER_POLICIES:]
        return DealWatch(policy, self.pipeline_id, self.deal_id, former, set(self._lost))

    def alike(self, viewer: Viewer) -> Hashable:
        """Everything ``judge`` reads (its policies: the viewer's standing, then and now)."""
        former = tuple(cache_key(policy.viewer) for policy in self.former)
        return ("dealChanged", cache_key(viewer), former, self.pipeline_id, self.deal_id)

    def judge(self, event: EventRecord) -> DealChange | None:
        kind = EVENT_KINDS.get(seen_kind(self.policy, event.envelope, event.kind))
        if kind is None or not self._concerns(event):
            return None
        now = envelope_of(event.envelope)
        before = envelope_of(event.envelope.get("previous") or event.envelope)
        sees_it = kind is not DealChangeKind.DELETED and self.policy.allows(AccessAction.READ, now)
        if sees_it:
            self._lost.discard(event.subject_id)
            # Hidden fields leave out the changes named after them and those that carry
            # them (a hidden stage hides `stageId` and `semantics` too), as in the feed.
            changed = tuple(masked_changes(self.policy, event.envelope, event.changes))
            return DealChange(kind, event.subject_id, changed, event.seq)
        if self.policy.allows(AccessAction.READ, before) or self._lost_by_rights(
            event.subject_id, before
        ):
            gone = (
                DealChangeKind.DELETED if kind is DealChangeKind.DELETED else DealChangeKind.HIDDEN
            )
            return DealChange(gone, event.subject_id, (), event.seq)
        return None

    def _lost_by_rights(self, deal_id: int, before: Envelope) -> bool:
        """Whether the deal was in sight under a former policy and has not been told gone."""
        if deal_id in self._lost:
            return False
        if any(policy.allows(AccessAction.READ, before) for policy in self.former):
            self._lost.add(deal_id)
            return True
        return False

    def _concerns(self, event: EventRecord) -> bool:
        if self.deal_id is not None and event.subject_id != self.deal_id:
            return False
        if self.pipeline_id is None:
            return True
        pipelines = {event.envelope.get("pipelineId")}
        if isinstance(event.envelope.get("previous"), dict):
            pipelines.add(event.envelope["previous"].get("pipelineId"))
        return self.pipeline_id in pipelines


def envelope_of(data: dict[str, Any]) -> Envelope:
    """The access envelope stored (as JSON) with a CRM event."""
    return Envelope(
        entity=CrmEntity(data.get("entity", CrmEntity.DEAL.value)),
        responsible_id=data.get("responsibleId"),
        responsible_department_path=data.get("responsibleDepartmentPath") or "",
        opened=bool(data.get("opened")),
        status_id=data.get("statusId"),
    )


async def deal_changes(
    ctx: RequestContext,
    pipeline_id: int | None,
    deal_id: int | None,
    express: Express[DealChange] | None = None,
) -> AsyncGenerator[DealChange, None]:
    viewer = ctx.require_viewer()
    realtime = realtime_of(ctx)
    watch = DealWatch(ctx.require_policy(), pipeline_id, deal_id)
    await ctx.release()

    async def renew(seq: int) -> tuple[See[DealChange], Hashable]:
        nonlocal watch
        sight = await renewed_sight(ctx, seq)
        watch = watch.after_rights_change(sight.policy)
        return watch.judge, watch.alike(sight.viewer)

    stream = follow(
        realtime.pump,
        realtime.hub,
        watch.judge,
        viewer.user_id,
        token_id=viewer.token_id,
        alike=watch.alike(viewer),
        express=express,
        renew=renew,
    )
    async with ended_on_close(ctx), aclosing(stream):
        async for change in stream:
            yield change
            await ctx.release()
