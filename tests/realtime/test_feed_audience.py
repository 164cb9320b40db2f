"""Who a live `feed` event reaches, judged in memory on its envelope."""

from __future__ import annotations

from auth.policy import CompiledPolicy
from auth.viewer import Viewer
from resolvers.live import Audience

ADMIN = Viewer(user_id=1, is_admin=True, department_id=None, department_path="", token_id=1)
NOTIFIED = {"kind": "TASK_ASSIGNED", "text": "Ada added you", "byUser": {"2": 40}}


def _administrator() -> Audience:
    return Audience(1, True, frozenset(), (), CompiledPolicy(ADMIN, []))


def test_administrators_see_every_feed_subject() -> None:
    audience = _administrator()
    assert audience.sees({"entity": "POST", "author": 2, "departmentIds": [5]})
    assert audience.sees({"entity": "TASK", "participants": [2], "departmentPaths": ["/5/"]})
    assert audience.sees({"entity": "DEAL", "responsibleId": 2, "statusId": 3})


def test_notification_events_reach_no_feed_not_even_an_administrators() -> None:
    # The feed has no entry for them: presenting one failed the subscription.
    assert not _administrator().sees(NOTIFIED)
