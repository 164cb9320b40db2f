"""What the viewer may do with, and see of, a CRM record already read: the ``access`` field,
hidden-field masks and a deal's allowed stages.

Records arrive here through ``visibility`` (so READ holds). A record's envelope needs its
responsible user's department, which the per-request loader reads for a whole page in one
statement; masks skip even that when no role of the viewer hides a field of the entity.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from auth.policy import CompiledPolicy, Envelope
from models.crm import CrmEntity, DealStage
from models.crm.entities import link_ends, other_end_of
from resolvers.access.envelopes import department_paths_by_user_id
from resolvers.context import RequestContext
from resolvers.crm.dictionaries import stages_by_pipeline_id
from resolvers.crm.guards import rule_fields, stage_locked

NOTHING: frozenset[str] = frozenset()

LinkedT = TypeVar("LinkedT")


@dataclass(frozen=True)
class RecordFacts:
    """What a loaded record's envelope is made of, but the responsible user's department."""

    entity: CrmEntity
    responsible_id: int | None
    opened: bool
    # The lead status or deal stage; None for contacts and companies.
    status_id: int | None


async def envelope_of_record(ctx: RequestContext, facts: RecordFacts) -> Envelope:
    path = await ctx.loader(department_paths_by_user_id).load(facts.responsible_id)
    return Envelope(
        entity=facts.entity,
        responsible_id=facts.responsible_id,
        responsible_department_path=path,
        opened=facts.opened,
        status_id=facts.status_id,
    )


def may_hide(ctx: RequestContext, entity: CrmEntity) -> bool:
    return ctx.require_policy().may_hide(entity)


async def hidden_fields(ctx: RequestContext, facts: RecordFacts) -> frozenset[str]:
    """The record's fields the viewer may not see (GraphQL names): they resolve to null."""
    if not may_hide(ctx, facts.entity):
        return NOTHING
    return ctx.require_policy().hidden_fields(await envelope_of_record(ctx, facts))


async def shown_at_both_ends(
    ctx: RequestContext,
    entity: CrmEntity,
    field_name: str,
    linked: Sequence[LinkedT],
    facts_of: Callable[[LinkedT], RecordFacts],
) -> list[LinkedT]:
    """The records ``linked`` to an ``entity`` record through its ``field_name`` whose own
    side of the link the viewer may see. A link shows from both ends (a contact's
    ``companies`` are the companies' ``contacts``), so a role hiding it on either record
    hides it on both; the caller has already applied the rule of its own end."""
    other_end = other_end_of(entity, field_name)
    if other_end is None or not ctx.require_policy().may_hide_field(*other_end):
        return list(linked)
    other_field = other_end[1]
    hidden = await asyncio.gather(*(hidden_fields(ctx, facts_of(record)) for record in linked))
    return [
        record for record, fields in zip(linked, hidden, strict=True) if other_field not in fields
    ]


async def allowed_stages(
    ctx: RequestContext, pipeline_id: int, facts: RecordFacts
) -> list[DealStage]:
    """The stages of the deal's pipeline the viewer may move it to, in order; none when its
    stage is hidden from the viewer or read-only for them: every stage but the current one
    would name a hidden stage, and a move changes the stage."""
    stages = await ctx.loader(stages_by_pipeline_id).load(pipeline_id)
    envelope = await envelope_of_record(ctx, facts)
    policy = ctx.require_policy()
    if stage_locked(policy, envelope):
        return []
    allowed = set(policy.allowed_stages(pipeline_id, [stage.id for stage in stages], envelope))
    return [stage for stage in stages if stage.id in allowed]


def links_hidden_elsewhere(policy: CompiledPolicy, entity: CrmEntity) -> frozenset[str]:
    """The entity's link fields whose other end some role of the viewer may hide. Where the
    linked records are not at hand (a change log's ids), such a link is hidden throughout."""
    return frozenset(
        name for name, other_end in link_ends(entity) if policy.may_hide_field(*other_end)
    )


def hide_values(entity: CrmEntity, hidden: frozenset[str], field: str) -> bool:
    """Whether a timeline field change of ``field`` (its change-log name) must not show its
    old and new values."""
    return bool(rule_fields(entity, [field]) & hidden)
