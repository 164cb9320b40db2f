"""What wakes a live report: the events that may change its figures, judged in memory.

A watch answers one question per live event — may this change the figures the viewer sees?
— from the event's stored envelope and the viewer's sight (their compiled policy, the
departments they head), the same facts ``dealChanged`` and ``feed`` judge with
(resolvers/live_deals.py, resolvers/live.py). It never reads the database. A change the
viewer may not see, before or after it, wakes nothing; whatever wakes a report, its figures
are computed again under the viewer's rights of the moment, so they never count a record
the viewer may not read.

A watch is rebuilt from the viewer's new sight after a change of their rights
(``renewed``); the report is recomputed then too.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Hashable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from auth.policy import CompiledPolicy
from models import AccessAction
from models.crm import CrmEntity
from resolvers.access.cache import cache_key
from resolvers.comments import COMMENT
from resolvers.crm.activity_events import ACTIVITY, ACTIVITY_CHANGED, owner_envelopes
from resolvers.crm.event_access import envelope_from_json
from resolvers.live import Audience
from resolvers.live_deals import DealWatch
from resolvers.live_sight import Sight
from resolvers.reports.deals import DealDimension
from resolvers.tasks.commands import ACCOMPLICES_KEY
from subscriptions.events import EventKind
from subscriptions.records import EventRecord

CRM_CHANGES = frozenset(
    kind.value
    for kind in EventKind
    if kind.name.split("_")[0] in {entity.value for entity in CrmEntity}
)
# A task's checklist counts in no report.
TASK_CHANGES = frozenset(
    kind.value
    for kind in EventKind
    if kind.name.startswith("TASK_") and kind is not EventKind.TASK_CHECKLIST_CHANGED
)
# A task's `changes` keys of its accomplices and auditors (resolvers/tasks/commands.py).
TASK_MEMBER_KEYS = (ACCOMPLICES_KEY, "auditorIds")
# Posts, their likes, and comments (on posts: the pulse counts no comment on a task).
POST_CHANGES = frozenset(
    kind.value for kind in EventKind if kind.name.startswith(("POST_", "COMMENT_"))
)
# A lead's change that moves its deals between SOURCE groups (besides a change of the lead's
# sight, which may show or hide the source, and its deletion).
SOURCE_KEYS = frozenset({"sourceId"})


class Watch(Protocol):
    def wakes(self, event: EventRecord) -> bool:
        """Whether the event may change the figures the viewer sees."""

    def renewed(self, sight: Sight) -> Watch:
        """The same watch under the viewer's new sight (after a change of their rights)."""

    def alike(self) -> Hashable:
        """Equal for watches that judge every event alike."""


def read_before_or_after(policy: CompiledPolicy, envelope: dict[str, Any]) -> bool:
    """Whether the viewer may read the CRM record as the change left it or as it was."""
    for stored in (envelope, envelope.get("previous")):
        if isinstance(stored, dict):
            found = envelope_from_json(stored)
            if found is not None and policy.allows(AccessAction.READ, found):
                return True
    return False


@dataclass(frozen=True)
class DealsWatch:
    """Every change ``dealChanged`` (of the pipeline, if any) would tell the viewer."""

    deals: DealWatch

    @classmethod
    def of(cls, sight: Sight, pipeline_id: int | None = None) -> DealsWatch:
        return cls(DealWatch(sight.policy, pipeline_id))

    def wakes(self, event: EventRecord) -> bool:
        return event.kind in CRM_CHANGES and self.deals.judge(event) is not None

    def renewed(self, sight: Sight) -> DealsWatch:
        # The policies held before are kept, as dealChanged keeps them.
        return DealsWatch(self.deals.after_rights_change(sight.policy))

    def alike(self) -> Hashable:
        return self.deals.alike(self.deals.policy.viewer)


@dataclass(frozen=True)
class RecordsWatch:
    """Changes to records of ``entity`` the viewer may read, before or after the change;
    with ``keys``, only changes of those keys, of the record's sight, or deletions."""

    policy: CompiledPolicy
    entity: CrmEntity
    keys: frozenset[str] | None = None

    def wakes(self, event: EventRecord) -> bool:
        envelope = event.envelope
        if event.kind not in CRM_CHANGES or envelope.get("entity") != self.entity.value:
            return False
        if self.keys is not None and not (
            self.keys & event.changes.keys()
            or "previous" in envelope
            or event.kind.endswith("_DELETED")
        ):
            return False
        return read_before_or_after(self.policy, envelope)

    def renewed(self, sight: Sight) -> RecordsWatch:
        return RecordsWatch(sight.policy, self.entity, self.keys)

    def alike(self) -> Hashable:
        keys = None if self.keys is None else tuple(sorted(self.keys))
        return ("records", cache_key(self.policy.viewer), self.entity.value, keys)


@dataclass(frozen=True)
class PulseWatch:
    """What team activity counts: activities on readable records, tasks and posts the viewer
    sees (comments and likes of those posts), deals the viewer may read; and the changes
    that move a CRM record, so its activities, in or out of the viewer's sight."""

    audience: Audience

    def wakes(self, event: EventRecord) -> bool:
        envelope, policy = event.envelope, self.audience.policy
        if event.kind == ACTIVITY_CHANGED:
            return envelope.get("entity") == ACTIVITY and any(
                policy.allows(AccessAction.READ, owner) for owner in owner_envelopes(envelope)
            )
        if event.kind in TASK_CHANGES or event.kind in POST_CHANGES:
            if event.subject_type == COMMENT and event.scope_type != "POST":
                return False
            return self.audience.sees(envelope) or self._took_part(event)
        if event.kind not in CRM_CHANGES:
            return False
        # A deal counts when won; any other record only through its activities, which
        # follow its sight: its sight changed (``previous``) or it is gone with them.
        if envelope.get("entity") != CrmEntity.DEAL.value and not (
            "previous" in envelope or event.kind.endswith("_DELETED")
        ):
            return False
        return read_before_or_after(policy, envelope)

    def _took_part(self, event: EventRecord) -> bool:
        """Whether the viewer took part in the task before the change took them out of it
        (the task leaves their sight, and their figures)."""
        if event.subject_type != "TASK":
            return False
        me = self.audience.user_id
        changes = event.changes
        if changes.get("responsibleId", [None])[0] == me:
            return True
        return any(me in (changes.get(key) or [[]])[0] for key in TASK_MEMBER_KEYS)

    def renewed(self, sight: Sight) -> PulseWatch:
        return PulseWatch(Audience.of(sight))

    def alike(self) -> Hashable:
        audience = self.audience
        return ("pulse", cache_key(audience.policy.viewer), audience.headed_paths)


@dataclass(frozen=True)
class AnyOf:
    """Wakes when any of its watches does."""

    watches: Sequence[Watch]

    def wakes(self, event: EventRecord) -> bool:
        return any(watch.wakes(event) for watch in self.watches)

    def renewed(self, sight: Sight) -> AnyOf:
        return AnyOf([watch.renewed(sight) for watch in self.watches])

    def alike(self) -> Hashable:
        return ("any", *(watch.alike() for watch in self.watches))


WatchOf = Callable[[Sight], Watch]


def funnel_watch(pipeline_id: int | None) -> WatchOf:
    """The funnel's: the deals of the pipeline (any, with None)."""
    return lambda sight: DealsWatch.of(sight, pipeline_id)


def deal_report_watch(group_by: Collection[DealDimension]) -> WatchOf:
    """The deal report's: deals; grouped by SOURCE, the source of leads (and what shows
    it); grouped by COMPANY, companies (what shows them through their deals)."""

    def watch_of(sight: Sight) -> Watch:
        watches: list[Watch] = [DealsWatch.of(sight)]
        if DealDimension.SOURCE in group_by:
            watches.append(RecordsWatch(sight.policy, CrmEntity.LEAD, SOURCE_KEYS))
        if DealDimension.COMPANY in group_by:
            watches.append(RecordsWatch(sight.policy, CrmEntity.COMPANY))
        return watches[0] if len(watches) == 1 else AnyOf(watches)

    return watch_of


def lead_report_watch(sight: Sight) -> Watch:
    """The lead report's: every lead the viewer may read, before or after the change."""
    return RecordsWatch(sight.policy, CrmEntity.LEAD)


def pulse_watch(sight: Sight) -> Watch:
    """Team activity's (``PulseWatch``)."""
    return PulseWatch(Audience.of(sight))
