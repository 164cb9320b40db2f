"""Which events start which rules: a trigger names an entity, and only that entity's events
start it, whatever other rules read from the log."""

from __future__ import annotations

import pytest

from models.crm import CrmEntity
from resolvers.automation.triggers import Trigger, applies

TITLE = {"title": ["Old", "New"]}
WON = {"stageId": [1, 7], "semantics": ["PROCESS", "SUCCESS"]}
# A writer may have recorded the keys as text.
WON_AS_TEXT = {"stageId": ["1", "7"], "semantics": ["PROCESS", "SUCCESS"]}


@pytest.mark.parametrize(
    ("trigger", "entity", "options", "kind", "changes", "expected"),
    [
        (Trigger.FIELD_CHANGED, CrmEntity.DEAL, {"field": "title"}, "DEAL_UPDATED", TITLE, True),
        (Trigger.FIELD_CHANGED, CrmEntity.DEAL, {"field": "title"}, "LEAD_UPDATED", TITLE, False),
        (Trigger.FIELD_CHANGED, CrmEntity.DEAL, {"field": "amount"}, "DEAL_UPDATED", TITLE, False),
        # A merge changes the survivor's fields as an update does.
        (Trigger.FIELD_CHANGED, CrmEntity.LEAD, {"field": "title"}, "LEAD_MERGED", TITLE, True),
        (Trigger.FIELD_CHANGED, CrmEntity.LEAD, {"field": "title"}, "CONTACT_MERGED", TITLE, False),
        (Trigger.LEAD_CREATED, CrmEntity.LEAD, {}, "LEAD_CREATED", {}, True),
        (Trigger.LEAD_CREATED, CrmEntity.LEAD, {}, "DEAL_CREATED", {}, False),
        (Trigger.DEAL_STAGE_ENTERED, CrmEntity.DEAL, {"stageId": 7}, "DEAL_STAGE_MOVED", WON, True),
        (
            Trigger.DEAL_STAGE_ENTERED,
            CrmEntity.DEAL,
            {"stageId": 7},
            "DEAL_STAGE_MOVED",
            WON_AS_TEXT,
            True,
        ),
        (
            Trigger.DEAL_STAGE_ENTERED,
            CrmEntity.DEAL,
            {"stageId": 1},
            "DEAL_STAGE_MOVED",
            WON,
            False,
        ),
        (
            Trigger.DEAL_STAGE_ENTERED,
            CrmEntity.DEAL,
            {"semantics": "SUCCESS"},
            "DEAL_STAGE_MOVED",
            WON,
            True,
        ),
        (
            Trigger.DEAL_STAGE_ENTERED,
            CrmEntity.DEAL,
            {"semantics": "FAILURE"},
            "DEAL_STAGE_MOVED",
            WON,
            False,
        ),
    ],
)
def test_a_trigger_starts_on_its_own_events_only(
    trigger: Trigger,
    entity: CrmEntity,
    options: dict[str, object],
    kind: str,
    changes: dict[str, object],
    expected: bool,
) -> None:
    assert applies(trigger, entity, options, kind, changes) is expected
