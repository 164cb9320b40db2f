"""The write side of issue #4 for CRM commands: CREATE, UPDATE, DELETE and stage moves.

A command first reads its record through ``visibility`` (an unreadable record is NOT_FOUND),
then asks here; a readable record the viewer may not change is FORBIDDEN. The checks
themselves are ``resolvers.access.checks``; this module turns rows and change logs into the
envelopes and field names those checks take.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace

from sqlalchemy.ext.asyncio import AsyncSession

from auth.policy import CompiledPolicy, Envelope
from models.crm import CrmEntity, Deal
from models.crm.entities import declaration_of
from resolvers.access.checks import require_create, require_delete, require_move, require_update
from resolvers.access.envelopes import CrmRecord, envelope_of
from resolvers.context import RequestContext
from resolvers.crm.timeline import Changes
from resolvers.errors import Forbidden


def rule_fields(entity: CrmEntity, changed: Iterable[str]) -> set[str]:
    """The field-rule names (GraphQL output names) of fields as the change log and the
    inputs name them (``assignedToId`` is ``assignedTo``)."""
    declaration = declaration_of(entity)
    return set().union(*(declaration.rule_of_key(name) for name in changed))


async def guard_create(ctx: RequestContext, session: AsyncSession, record: CrmRecord) -> None:
    """CREATE for the record as it is about to be stored (status and responsible set)."""
    require_create(ctx.require_policy(), await envelope_of(session, record))


async def guard_create_in_stage(
    ctx: RequestContext, session: AsyncSession, deal: Deal, stage_ids: Sequence[int]
) -> None:
    """A deal created past its pipeline's first stage (``stage_ids``, in order) must be one
    the viewer could have created in the first stage and then moved there: otherwise
    ``createDeal(stageId:)`` would skip the roles' stage transitions (straight into Won)."""
    if not stage_ids or deal.stage_id == stage_ids[0]:
        return
    at_first_stage = replace(await envelope_of(session, deal), status_id=stage_ids[0])
    if not ctx.require_policy().may_move(deal.pipeline_id, deal.stage_id, at_first_stage):
        raise Forbidden(
            "You may not create a deal in that stage: it takes a move from the pipeline's "
            "first stage that you may not make",
            field="stageId",
        )


async def guard_update(
    ctx: RequestContext,
    session: AsyncSession,
    record: CrmRecord,
    before: Envelope,
    log: Changes,
    also_touched: Sequence[str] = (),
) -> None:
    """UPDATE before and after, and no read-only field among those the change touches."""
    after = await envelope_of(session, record)
    changed = [field for field, _old, _new in log.entries]
    touched = rule_fields(after.entity, changed) | set(also_touched)
    require_update(ctx.require_policy(), before, after, touched)


async def guard_update_allowed(
    ctx: RequestContext, session: AsyncSession, record: CrmRecord
) -> Envelope:
    """UPDATE on the record as it is, before any change is made (FORBIDDEN early, so a
    refused command does no work); returns the envelope for ``guard_update``."""
    before = await envelope_of(session, record)
    require_update(ctx.require_policy(), before, before, ())
    return before


def guard_lead_status_unlocked(ctx: RequestContext, lead: Envelope) -> None:
    """A command changing a lead's status (an update of it, a conversion): FORBIDDEN naming
    ``status`` when it is hidden from the viewer or read-only, before anything can answer
    that the lead is converted, which would tell its status."""
    require_update(ctx.require_policy(), lead, lead, ("status",))


def stage_locked(policy: CompiledPolicy, deal: Envelope) -> bool:
    """Whether the deal's stage is hidden from the viewer or read-only for them: they may not
    move it, and nothing may tell them which stages it could go to (that names the one it
    is in)."""
    return "stage" in policy.hidden_fields(deal) | policy.read_only_fields(deal)


async def guard_stage_unlocked(ctx: RequestContext, session: AsyncSession, deal: Deal) -> None:
    """moveDeal, first: UPDATE, and FORBIDDEN naming ``stageId`` when the stage is locked
    (see ``stage_locked``), before the answer can differ with the stage asked for."""
    policy, envelope = ctx.require_policy(), await envelope_of(session, deal)
    require_update(policy, envelope, envelope, ())
    if stage_locked(policy, envelope):
        raise Forbidden("The deal's stage is hidden from you or read-only", field="stageId")


async def guard_move(
    ctx: RequestContext, session: AsyncSession, deal: Deal, stage_ids: Sequence[int], to: int
) -> None:
    """moveDeal: UPDATE before and after, and a transition the viewer's roles allow."""
    envelope = await envelope_of(session, deal)
    require_move(ctx.require_policy(), deal.pipeline_id, stage_ids, to, envelope)


async def guard_delete(ctx: RequestContext, session: AsyncSession, record: CrmRecord) -> None:
    require_delete(ctx.require_policy(), await envelope_of(session, record))
