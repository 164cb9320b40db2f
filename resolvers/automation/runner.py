"""Running rules on the event log, each rule at most once per event, in any number of
processes.

Reading. Every process runs ``run_pending`` (woken with its event pump and by a poll). It
reads the events after a cursor shared by all processes (``automation_cursor``), of the kinds
the active rules look at, up to the log's end as it was when the pass began; seq order is
commit order (subscriptions/events.py), so nothing below that end can still appear. After
the pass the cursor moves to that end. A rule never runs on an event written before it
existed (``start_seq``).

Exactly once. A rule's run on an event begins by inserting its row in ``automation_runs``,
unique per (rule, event), then runs the actions in the same transaction and commits the row
and the actions' effects together. Two processes reading the same events (the cursor is
only a hint of where to start) both try: the second insert waits for the first transaction
and then fails on the unique key, and that process moves on. A crash before the commit
leaves nothing, and the next pass, from the unmoved cursor, runs the rule again.

Actions run as the owner: a context is built for them as for a request of theirs, whose
session joins the run's transaction through a savepoint (the commands' own commits release
it). A failing action (an access refusal, a guard, no one to assign to) rolls back the whole
run, and the row is written FAILED with the reason in a transaction of its own; later events
go on. Events the actions write carry the automation depth (the depth of the event that
started the rule, plus one); a rule does not run on an event at the depth limit (on a record
its condition matches), and its row says SKIPPED_DEPTH. Runs are never retried: the log
says what happened.

Several actions of one rule hold the event log's lock (subscriptions/events.py) from the
first one's event to the run's commit; a concurrent writer waiting for a row the rule then
locks is a deadlock PostgreSQL breaks by failing one side, the run FAILED if it is ours.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from auth.tokens import current_standing
from auth.viewer import Viewer
from models import (
    BACKGROUND,
    AutomationCursor,
    AutomationRule,
    AutomationRun,
    Event,
    TaskCrmLink,
    utcnow,
)
from models.crm import CrmEntity
from resolvers.access.loading import policy_for
from resolvers.automation import conditions
from resolvers.automation.actions import ACTIONS, ActionFailed, Run
from resolvers.automation.triggers import Trigger, applies, event_kinds
from resolvers.context import RequestContext, Services
from resolvers.errors import DomainError
from subscriptions.events import AUTOMATION_DEPTH_KEY
from subscriptions.publisher import note_event_written
from subscriptions.records import EventRecord

log = logging.getLogger(__name__)

CURSOR_ID = 1
BATCH_SIZE = 200
MAX_MESSAGE = 500


class Status:
    DONE, FAILED, SKIPPED_DEPTH = "DONE", "FAILED", "SKIPPED_DEPTH"


@dataclass(frozen=True)
class ActiveRule:
    id: int
    owner_id: int
    trigger: Trigger
    entity: CrmEntity
    options: dict[str, Any]
    condition: dict[str, Any] | None
    actions: list[dict[str, Any]]
    start_seq: int


async def run_pending(services: Services, depth_limit: int) -> int:
    """One pass over the events after the shared cursor; returns the runs it logged."""
    async with services.session_factory() as session:
        rules = [_active(row) for row in await session.scalars(_statement_active())]
        if not rules:
            return 0
        end = int(
            await session.scalar(
                select(func.coalesce(func.max(Event.seq), 0)).execution_options(**BACKGROUND)
            )
            or 0
        )
        # Past the cursor when every rule is younger than it (or all were off a while).
        cursor = max(await _cursor(session, rules), min(rule.start_seq for rule in rules))
    logged = 0
    while cursor < end:
        events = await _events(services, rules, cursor, end)
        for event in events:
            for rule in rules:
                if rule.start_seq < event.seq and applies(
                    rule.trigger, rule.entity, rule.options, event.kind, event.changes
                ):
                    logged += await run_rule(services, rule, event, depth_limit)
        cursor = events[-1].seq if len(events) == BATCH_SIZE else end
        async with services.session_factory() as session:
            await session.execute(
                update(AutomationCursor)
                .where(AutomationCursor.id == CURSOR_ID, AutomationCursor.last_seq < cursor)
                .values(last_seq=cursor)
            )
            await session.commit()
    return logged


def _statement_active() -> Any:
    return (
        select(AutomationRule)
        .where(AutomationRule.active.is_(True))
        .order_by(AutomationRule.id)
        .execution_options(**BACKGROUND)
    )


def _active(row: AutomationRule) -> ActiveRule:
    return ActiveRule(
        id=row.id,
        owner_id=row.owner_id,
        trigger=Trigger(row.trigger),
        entity=CrmEntity(row.entity),
        options=row.trigger_options,
        condition=row.condition,
        actions=row.actions,
        start_seq=row.start_seq,
    )


async def _cursor(session: AsyncSession, rules: list[ActiveRule]) -> int:
    """The shared cursor, made on the first pass ever: from the oldest rule's start, so
    that no history is replayed."""
    found = await session.get(
        AutomationCursor, CURSOR_ID, execution_options=BACKGROUND, populate_existing=True
    )
    if found is not None:
        return found.last_seq
    start = min(rule.start_seq for rule in rules)
    session.add(AutomationCursor(id=CURSOR_ID, last_seq=start))
    try:
        await session.commit()
    except IntegrityError:  # another process made it first
        await session.rollback()
        found = await session.get(AutomationCursor, CURSOR_ID)
        assert found is not None
        return found.last_seq
    return start


async def _events(services: Services, rules: list[ActiveRule], after: int, end: int) -> list[Event]:
    kinds = set().union(*(event_kinds(rule.trigger, rule.entity) for rule in rules))
    if not kinds:
        return []
    async with services.session_factory() as session:
        rows = await session.scalars(
            select(Event)
            .where(Event.seq > after, Event.seq <= end, Event.kind.in_(sorted(kinds)))
            .order_by(Event.seq)
            .limit(BATCH_SIZE)
            .execution_options(**BACKGROUND)
        )
        return list(rows)


async def run_rule(services: Services, rule: ActiveRule, event: Event, depth_limit: int) -> int:
    """Runs one rule on one event unless a run of it is logged already; returns the runs
    logged (0 or 1)."""
    depth = event.automation_depth or 0
    async with services.session_factory() as outer:
        row = AutomationRun(
            rule_id=rule.id,
            event_seq=event.seq,
            status=Status.DONE,
            message="",
            created_records=[],
            ran_at=utcnow(),
        )
        outer.add(row)
        try:
            # First, so that SQLite's one writer is taken at once, and so that a second
            # runner of the same event waits here for this one's outcome.
            await outer.flush()
        except IntegrityError:
            await outer.rollback()
            return 0
        try:
            ran = await _run_actions(services, outer, rule, event, depth, depth_limit)
        except _TooDeep:
            row.status = Status.SKIPPED_DEPTH
            row.message = f"The event was written {depth} rules deep; rules stop at {depth_limit}"
            await outer.commit()
            return 1
        except (DomainError, ActionFailed) as error:
            await outer.rollback()
            return await _log_failure(services, rule, event, _reason(error))
        except Exception as error:
            # A fault of ours or of the database (a deadlock broken by PostgreSQL, say):
            # logged for the operator, and FAILED, so that later events still run.
            log.exception("automation rule %s failed on event %s", rule.id, event.seq)
            await outer.rollback()
            return await _log_failure(services, rule, event, f"ERROR: {type(error).__name__}")
        if ran is None:  # the record does not match: no run, and nothing to log
            await outer.rollback()
            return 0
        row.created_records = [[type_name, pk] for type_name, pk in ran.created]
        row.message = "Done: " + ", ".join(action["kind"] for action in rule.actions)
        written = await outer.scalar(select(func.max(Event.seq)))
        if written is not None and written > event.seq:
            # The pumps learn of the actions' events when the run commits.
            note_event_written(outer.sync_session, written)
        try:
            await outer.commit()
        except IntegrityError:  # SQLite: another process logged the run meanwhile
            await outer.rollback()
            return 0
        return 1


async def _record_acted_on(session: AsyncSession, rule: ActiveRule, event: Event) -> int | None:
    """The event's own record; for an overdue task, the first record of the rule's entity
    the task is bound to (None when it is bound to none: the rule does not apply)."""
    if rule.trigger is not Trigger.TASK_OVERDUE:
        return event.subject_id
    bound: int | None = await session.scalar(
        select(TaskCrmLink.entity_id)
        .where(
            TaskCrmLink.task_id == event.subject_id, TaskCrmLink.entity_type == rule.entity.value
        )
        .order_by(TaskCrmLink.entity_id)
        .limit(1)
    )
    return bound


class _TooDeep(Exception):
    """The record matches, but the event is as deep in a chain of rules as the limit."""


async def _run_actions(
    services: Services,
    outer: AsyncSession,
    rule: ActiveRule,
    event: Event,
    depth: int,
    depth_limit: int,
) -> Run | None:
    """The rule's actions done, in the run's transaction; None when the record does not
    match the condition (or the owner may not read it)."""
    record_id = await _record_acted_on(outer, rule, event)
    if record_id is None:
        return None
    owner = await current_standing(outer, _bare_viewer(rule.owner_id))
    if owner is None:
        raise ActionFailed("The rule's owner is no longer active")
    joined = async_sessionmaker(
        bind=await outer.connection(),
        join_transaction_mode="create_savepoint",
        expire_on_commit=False,
        autoflush=False,
        info={AUTOMATION_DEPTH_KEY: depth + 1},
    )
    ctx = RequestContext(services=replace(services, session_factory=joined), viewer=owner)
    try:
        ctx.policy = await policy_for(services, owner)
        async with ctx.db() as session:
            matched = await conditions.matches(ctx, session, rule.entity, record_id, rule.condition)
        if not matched:
            return None
        if depth >= depth_limit:
            raise _TooDeep
        run = Run(
            ctx=ctx,
            rule_id=rule.id,
            entity=rule.entity,
            record_id=record_id,
            event=EventRecord.of(event),
        )
        for action in rule.actions:
            await ACTIONS[action["kind"]].run(run, action)
            ctx.forget_loaded()
        return run
    finally:
        await ctx.close()


async def _log_failure(services: Services, rule: ActiveRule, event: Event, reason: str) -> int:
    async with services.session_factory() as session:
        session.add(
            AutomationRun(
                rule_id=rule.id,
                event_seq=event.seq,
                status=Status.FAILED,
                message=reason[:MAX_MESSAGE],
                created_records=[],
                ran_at=utcnow(),
            )
        )
        try:
            await session.commit()
        except IntegrityError:  # another process ran it meanwhile
            return 0
    return 1


def _reason(error: Exception) -> str:
    code = error.code if isinstance(error, DomainError) else "FAILED"
    return f"{code}: {error}"


def _bare_viewer(user_id: int) -> Viewer:
    # Completed from the database by current_standing: department, admin right, epoch.
    return Viewer(
        user_id=user_id, is_admin=False, department_id=None, department_path="", token_id=0
    )
