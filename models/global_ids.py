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


def key_of(global_id_text: str, type_name: str) -> int | None:
    """The primary key of a global ID of ``type_name`` written exactly as ``global_id``
    writes it; None for anything else."""
    try:
        padded = global_id_text + "=" * (-len(global_id_text) % 4)
        raw = base64.urlsafe_b64decode(padded.encode()).decode()
    except ValueError:  # binascii.Error and UnicodeError are ValueErrors
        return None
    name, _, pk = raw.partition(":")
    if name != type_name or not pk.isascii() or not pk.isdigit():
        return None
    key = int(pk)
    return key if 0 < key < 2**63 and global_id(type_name, key) == global_id_text else None
