"""The refusals of the write paths, so every CRM command words and codes them alike.

Each takes the viewer's compiled policy (``ctx.require_policy()``) and envelopes of the
record before and/or after the change (``resolvers.access.envelopes``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from auth.policy import CompiledPolicy, Envelope
from models import AccessAction
from resolvers.errors import Forbidden


def require(policy: CompiledPolicy, action: AccessAction, envelope: Envelope) -> None:
    if not policy.allows(action, envelope):
        raise Forbidden(f"You may not {action.value.lower()} this {envelope.entity.value.lower()}")


def require_create(policy: CompiledPolicy, created: Envelope) -> None:
    """CREATE for the record as it will be (status and responsible included); convertLead
    calls it for each record it makes."""
    require(policy, AccessAction.CREATE, created)


def require_update(
    policy: CompiledPolicy, before: Envelope, after: Envelope, touched: Iterable[str]
) -> None:
    """UPDATE before and after the change, and no read-only field among ``touched`` (GraphQL
    field names); the first such field is named in the error."""
    require(policy, AccessAction.UPDATE, before)
    locked = sorted(set(touched) & policy.read_only_fields(before))
    if locked:
        raise Forbidden(f"'{locked[0]}' is read-only for you", field=locked[0])
    if not policy.allows(AccessAction.UPDATE, after):
        raise Forbidden(
            f"You may not make this {after.entity.value.lower()} what the change would make it"
        )


def require_move(
    policy: CompiledPolicy,
    pipeline_id: int,
    stage_ids: Sequence[int],
    to_stage_id: int,
    deal: Envelope,
) -> None:
    """moveDeal: UPDATE before and after, and a move the viewer's roles allow."""
    require(policy, AccessAction.UPDATE, deal)
    if to_stage_id not in policy.allowed_stages(pipeline_id, stage_ids, deal):
        raise Forbidden("You may not move this deal to that stage", field="stageId")


def require_delete(policy: CompiledPolicy, envelope: Envelope) -> None:
    require(policy, AccessAction.DELETE, envelope)
