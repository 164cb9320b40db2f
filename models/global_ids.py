"""The opaque global ID of a row, as clients see it (the Relay ``Node.id``).

It lives at the bottom of the layers so that every layer that speaks to clients (the access
policy's explanations, domain errors, the schema) names a row by the ID the client knows: a
database key never leaves the hub, in data, errors or explanations.
"""

from __future__ import annotations

import base64


def global_id(type_name: str, pk: int) -> str:
    """``type_name`` is the GraphQL type's name ("Deal", "ChecklistItem")."""
    raw = f"{type_name}:{pk}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")
