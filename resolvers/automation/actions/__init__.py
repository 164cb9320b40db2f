"""The actions a rule can take, one module each, found by kind in ``ACTIONS``.

An action checks its options when a rule is saved (``check``: BadInput naming the field) and
runs with a ``Run`` (``run``): the owner's context, whose session is the run's transaction.
It changes things through the same commands a person's request uses, so access checks,
guards, timeline and events apply as they would to the owner's own change. A new kind (say,
sending an e-mail) is a new module registered here and a value of the schema's enum.
"""

from __future__ import annotations

from collections.abc import Mapping

from resolvers.automation.actions import (
    assign,
    call_webhook,
    create_task,
    notify,
    send_email,
    set_field,
)
from resolvers.automation.actions.base import Action, ActionFailed, Run

ACTIONS: Mapping[str, Action] = {
    "ASSIGN": assign.ACTION,
    "CALL_WEBHOOK": call_webhook.ACTION,
    "CREATE_TASK": create_task.ACTION,
    "NOTIFY": notify.ACTION,
    "SET_FIELD": set_field.ACTION,
    "SEND_EMAIL": send_email.ACTION,
}

__all__ = ["ACTIONS", "Action", "ActionFailed", "Run"]
