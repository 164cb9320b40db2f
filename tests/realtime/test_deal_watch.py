"""How one `dealChanged` subscriber judges deal events, in memory, by its own policy."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from auth.policy import CompiledPolicy, RoleGrants
from auth.viewer import Viewer
from models import ANY_SCOPE, AccessAction, AccessLevel, FieldRuleKind, RuleScope
from models.crm import CrmEntity
from resolvers.live_deals import DealChangeKind, DealWatch
from subscriptions.records import EventRecord

DEAL, READ = CrmEntity.DEAL, AccessAction.READ
ME, OTHER = 7, 8
WON_STAGE, OPEN_STAGE = 5, 2
VIEWER = Viewer(user_id=ME, is_admin=False, department_id=3, department_path="/1/3/", token_id=1)


def intern_policy() -> CompiledPolicy:
    """OWN for READ, NONE in the won stage, amounts hidden."""
    grants = RoleGrants(
        1,
        "Intern",
        {
            (DEAL, READ, ANY_SCOPE): AccessLevel.OWN,
            (DEAL, READ, RuleScope.of_status(WON_STAGE)): AccessLevel.NONE,
        },
        {(DEAL, "amount", ANY_SCOPE): FieldRuleKind.HIDDEN},
    )
    return CompiledPolicy(VIEWER, [grants])


def envelope(responsible: int, stage: int, pipeline: int = 1) -> dict[str, Any]:
    return {
        "entity": "DEAL",
        "responsibleId": responsible,
        "responsibleDepartmentPath": "/1/3/",
        "opened": False,
        "statusId": stage,
        "pipelineId": pipeline,
    }


def event(
    kind: str, now: dict[str, Any], previous: dict[str, Any] | None = None, **changes: Any
) -> EventRecord:
    data = dict(now, previous=previous) if previous else now
    return EventRecord(
        seq=10,
        kind=kind,
        actor_id=OTHER,
        subject_type="DEAL",
        subject_id=99,
        scope_type="DEAL",
        scope_id=99,
        changes={field: list(value) for field, value in changes.items()},
        envelope=data,
        occurred_at=datetime.now(UTC),
    )


def test_a_visible_change_comes_through_without_hidden_fields() -> None:
    watch = DealWatch(intern_policy())
    change = watch.judge(
        event("DEAL_UPDATED", envelope(ME, OPEN_STAGE), title=("a", "b"), amount=("1", "2"))
    )
    assert change is not None
    assert (change.kind, change.deal_id, change.changed_fields) == (
        DealChangeKind.UPDATED,
        99,
        ("title",),
    )


def test_a_hidden_stage_hides_the_changes_that_carry_it() -> None:
    grants = RoleGrants(
        1,
        "Blind to stages",
        {(DEAL, READ, ANY_SCOPE): AccessLevel.OWN},
        {(DEAL, "stage", ANY_SCOPE): FieldRuleKind.HIDDEN},
    )
    watch = DealWatch(CompiledPolicy(VIEWER, [grants]))
    moved = event(
        "DEAL_STAGE_MOVED",
        envelope(ME, OPEN_STAGE),
        stageId=(1, OPEN_STAGE),
        semantics=("PROCESS", "PROCESS"),
        probability=(10, 30),
    )
    change = watch.judge(moved)
    assert change is not None
    assert change.changed_fields == ("probability",)


def test_deals_of_others_never_come_through() -> None:
    watch = DealWatch(intern_policy())
    assert watch.judge(event("DEAL_CREATED", envelope(OTHER, OPEN_STAGE))) is None
    assert watch.judge(event("DEAL_DELETED", envelope(OTHER, OPEN_STAGE))) is None


def test_a_deal_that_leaves_sight_is_hidden_once_with_only_its_id() -> None:
    watch = DealWatch(intern_policy())
    won = event(
        "DEAL_STAGE_MOVED",
        envelope(ME, WON_STAGE),
        previous=envelope(ME, OPEN_STAGE),
        stageId=(OPEN_STAGE, WON_STAGE),
    )
    change = watch.judge(won)
    assert change is not None
    assert (change.kind, change.changed_fields) == (DealChangeKind.HIDDEN, ())
    reassigned = event(
        "DEAL_UPDATED", envelope(OTHER, OPEN_STAGE), previous=envelope(ME, OPEN_STAGE)
    )
    hidden = watch.judge(reassigned)
    assert hidden is not None
    assert hidden.kind is DealChangeKind.HIDDEN
    # Once out of sight, later changes are not seen at all.
    assert watch.judge(event("DEAL_UPDATED", envelope(OTHER, OPEN_STAGE))) is None


def test_deletion_of_a_visible_deal_is_told() -> None:
    change = DealWatch(intern_policy()).judge(event("DEAL_DELETED", envelope(ME, OPEN_STAGE)))
    assert change is not None
    assert change.kind is DealChangeKind.DELETED


def test_pipeline_and_deal_filters() -> None:
    policy = intern_policy()
    moved_in = event(
        "DEAL_UPDATED", envelope(ME, OPEN_STAGE, 2), previous=envelope(ME, OPEN_STAGE, 1)
    )
    assert DealWatch(policy, pipeline_id=1).judge(moved_in) is not None
    assert DealWatch(policy, pipeline_id=3).judge(moved_in) is None
    assert DealWatch(policy, deal_id=99).judge(moved_in) is not None
    assert DealWatch(policy, deal_id=98).judge(moved_in) is None


def test_other_events_are_ignored() -> None:
    post = event("POST_CREATED", {"entity": "POST", "all": True})
    assert DealWatch(intern_policy()).judge(post) is None


def test_a_deal_taken_out_of_sight_by_a_change_of_rights_is_hidden_once() -> None:
    nothing = CompiledPolicy(VIEWER, [])  # the role was taken away
    watch = DealWatch(intern_policy()).after_rights_change(nothing)
    renamed = event("DEAL_UPDATED", envelope(ME, OPEN_STAGE), title=("a", "b"))
    hidden = watch.judge(renamed)
    assert hidden is not None
    assert (hidden.kind, hidden.changed_fields) == (DealChangeKind.HIDDEN, ())
    assert watch.judge(renamed) is None
    # Told once, also across a further change of rights.
    assert watch.after_rights_change(nothing).judge(renamed) is None
    # Deals the former rights never showed are not announced either.
    assert watch.judge(event("DEAL_UPDATED", envelope(OTHER, OPEN_STAGE))) is None
