"""After a transaction that wrote events commits, wake every process's event pump.

The bus message is only a wake-up carrying the highest seq written: pumps read the events
themselves from the table, in seq order. So a lost message costs latency, never an event
(the pump also polls), and publishing happens after the commit, in a task of its own, so a
bus that is slow or down never delays or fails the write.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)

BUS_INFO_KEY = "crmhub.bus"
WRITTEN_SEQ_KEY = "crmhub.written_seq"

_pending: set[asyncio.Task[Any]] = set()


def note_event_written(session: Session, seq: int) -> None:
    """Called by the event writer: remember the seq so that commit can announce it."""
    session.info[WRITTEN_SEQ_KEY] = max(seq, session.info.get(WRITTEN_SEQ_KEY, 0))


@event.listens_for(Session, "after_commit")
def _announce(session: Session) -> None:
    seq = session.info.pop(WRITTEN_SEQ_KEY, None)
    bus = session.info.get(BUS_INFO_KEY)
    if seq is None or bus is None:
        return
    task = asyncio.get_running_loop().create_task(bus.publish(str(seq)))
    # Keep a reference until done, or the task may be collected mid-flight.
    _pending.add(task)
    task.add_done_callback(_pending.discard)


@event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    session.info.pop(WRITTEN_SEQ_KEY, None)
