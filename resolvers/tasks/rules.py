"""The task workflow as data: which status each action leads to, and which parts may act.

A viewer's *parts* in a task are what they are to it (creator, responsible, …). A viewer who
sees a task only as the head of an accomplice's or auditor's department has no part: they may
read and comment, nothing else. HEAD means the head of the creator's or the responsible's
department, or of a department above it.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class TaskStatus(enum.Enum):
    NEW = "NEW"
    PENDING = "PENDING"
    IN_PROGRESS = "IN_PROGRESS"
    SUPPOSEDLY_COMPLETED = "SUPPOSEDLY_COMPLETED"
    COMPLETED = "COMPLETED"
    DEFERRED = "DEFERRED"
    DECLINED = "DECLINED"


class TaskPriority(enum.Enum):
    LOW = "LOW"
    NORMAL = "NORMAL"
    HIGH = "HIGH"


class Part(enum.Enum):
    CREATOR = "CREATOR"
    RESPONSIBLE = "RESPONSIBLE"
    ACCOMPLICE = "ACCOMPLICE"
    AUDITOR = "AUDITOR"
    HEAD = "HEAD"
    ADMIN = "ADMIN"


class TaskAction(enum.Enum):
    START = "START"
    DEFER = "DEFER"
    COMPLETE = "COMPLETE"
    APPROVE = "APPROVE"
    RETURN = "RETURN"
    DECLINE = "DECLINE"
    RENEW = "RENEW"
    EDIT = "EDIT"
    DELETE = "DELETE"
    EDIT_CHECKLIST = "EDIT_CHECKLIST"


@dataclass(frozen=True)
class Transition:
    sources: frozenset[TaskStatus]
    target: TaskStatus


S = TaskStatus
_OPEN = frozenset({S.NEW, S.PENDING, S.IN_PROGRESS})

TRANSITIONS: dict[TaskAction, Transition] = {
    TaskAction.START: Transition(frozenset({S.NEW, S.PENDING, S.DEFERRED}), S.IN_PROGRESS),
    TaskAction.DEFER: Transition(_OPEN, S.DEFERRED),
    # Becomes SUPPOSEDLY_COMPLETED instead when approval is required and the actor may not
    # approve (see ``completion_target``).
    TaskAction.COMPLETE: Transition(_OPEN | {S.DEFERRED}, S.COMPLETED),
    TaskAction.APPROVE: Transition(frozenset({S.SUPPOSEDLY_COMPLETED}), S.COMPLETED),
    TaskAction.RETURN: Transition(frozenset({S.SUPPOSEDLY_COMPLETED}), S.PENDING),
    TaskAction.DECLINE: Transition(frozenset({S.NEW, S.PENDING}), S.DECLINED),
    TaskAction.RENEW: Transition(frozenset({S.COMPLETED, S.DEFERRED, S.DECLINED}), S.PENDING),
}

P = Part
ALLOWED: dict[TaskAction, frozenset[Part]] = {
    TaskAction.START: frozenset({P.RESPONSIBLE, P.ACCOMPLICE, P.ADMIN}),
    TaskAction.DEFER: frozenset({P.CREATOR, P.RESPONSIBLE, P.HEAD, P.ADMIN}),
    TaskAction.COMPLETE: frozenset({P.CREATOR, P.RESPONSIBLE, P.ACCOMPLICE, P.HEAD, P.ADMIN}),
    TaskAction.APPROVE: frozenset({P.CREATOR, P.HEAD, P.ADMIN}),
    TaskAction.RETURN: frozenset({P.CREATOR, P.HEAD, P.ADMIN}),
    # Declining is the responsible's refusal of the assignment: nobody can do it for them.
    TaskAction.DECLINE: frozenset({P.RESPONSIBLE}),
    TaskAction.RENEW: frozenset({P.CREATOR, P.RESPONSIBLE, P.HEAD, P.ADMIN}),
    TaskAction.EDIT: frozenset({P.CREATOR, P.HEAD, P.ADMIN}),
    TaskAction.DELETE: frozenset({P.CREATOR, P.ADMIN}),
    TaskAction.EDIT_CHECKLIST: frozenset({P.CREATOR, P.RESPONSIBLE, P.ACCOMPLICE, P.HEAD, P.ADMIN}),
}

# A task in one of these states is not overdue, whatever its deadline.
FINISHED = frozenset({S.SUPPOSEDLY_COMPLETED, S.COMPLETED, S.DECLINED})


def may(parts: frozenset[Part], action: TaskAction) -> bool:
    return bool(parts & ALLOWED[action])


def completion_target(require_approval: bool, parts: frozenset[Part]) -> TaskStatus:
    """Where COMPLETE leads: straight to COMPLETED unless someone else must approve it."""
    if require_approval and not may(parts, TaskAction.APPROVE):
        return TaskStatus.SUPPOSEDLY_COMPLETED
    return TaskStatus.COMPLETED


def available_actions(parts: frozenset[Part], status: TaskStatus) -> list[TaskAction]:
    """What these parts may do to a task in this status, in the order of ``TaskAction``."""
    return [action for action in TaskAction if may(parts, action) and _applies(action, status)]


def _applies(action: TaskAction, status: TaskStatus) -> bool:
    transition = TRANSITIONS.get(action)
    return transition is None or status in transition.sources
