"""The access policy (DESIGN.md §4): roles' grants compiled, once per viewer and policy epoch,
into SQL predicates for lists and into in-memory checks on a record's envelope."""

from auth.policy.compiled import CompiledPolicy, PermissionSummary
from auth.policy.entities import ENTITY_FIELDS, RECORD_COLUMNS, RecordColumns, maskable_fields
from auth.policy.explain import Decision
from auth.policy.grants import RoleGrants
from auth.policy.levels import Envelope
from auth.policy.scopes import StatusCatalog, StatusFacts

__all__ = [
    "ENTITY_FIELDS",
    "RECORD_COLUMNS",
    "CompiledPolicy",
    "Decision",
    "Envelope",
    "PermissionSummary",
    "RecordColumns",
    "RoleGrants",
    "StatusCatalog",
    "StatusFacts",
    "maskable_fields",
]
