"""Who is asking: the authenticated user as the rest of the code sees them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class Viewer:
    user_id: int
    is_admin: bool
    department_id: int | None
    # The materialised path of the viewer's department ("/1/4/"), "" without one.
    department_path: str
    # The token this request came with: logout revokes exactly this one.
    token_id: int
    # The policy epoch when the token was checked: with the user id, the key of the cached
    # compiled policy (see resolvers/access/loading.py).
    policy_epoch: int = 0
    # When that token expires: a websocket authorised by it is closed then.
    token_expires_at: datetime | None = None
    # The token is an API key (models/api_keys.py): it cannot mint keys, change the
    # password or log out.
    api_key: bool = False
    # An API key limited to one role: the policy holds that role's grants only.
    role_limit: int | None = None
