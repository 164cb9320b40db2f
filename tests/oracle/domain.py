"""What a population is made of: the access vocabulary, the dictionaries of a fresh
database, the fields of each CRM type, and the frozen dataclasses of people and records
(which refer to each other by index)."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from decimal import Decimal


class Entity(enum.Enum):
    LEAD = "LEAD"
    CONTACT = "CONTACT"
    COMPANY = "COMPANY"
    DEAL = "DEAL"


class Action(enum.Enum):
    READ = "READ"
    CREATE = "CREATE"
    UPDATE = "UPDATE"
    DELETE = "DELETE"


class Level(enum.IntEnum):
    """Ordered: each level reaches what the ones below reach."""

    NONE = 0
    OWN = 1
    DEPARTMENT = 2
    SUBDEPARTMENTS = 3
    OPEN = 4
    ALL = 5


class Semantics(enum.Enum):
    PROCESS = "PROCESS"
    SUCCESS = "SUCCESS"
    FAILURE = "FAILURE"


# The default dictionaries of a fresh database (models/crm/defaults.py), and a second
# pipeline that load.py creates: (name, semantics) in order.
LEAD_STATUSES = (
    ("New", Semantics.PROCESS),
    ("In process", Semantics.PROCESS),
    ("Processed", Semantics.PROCESS),
    ("Converted", Semantics.SUCCESS),
    ("Junk", Semantics.FAILURE),
)
PIPELINES = (
    (
        ("New", Semantics.PROCESS),
        ("Preparation", Semantics.PROCESS),
        ("Proposal", Semantics.PROCESS),
        ("Negotiation", Semantics.PROCESS),
        ("Won", Semantics.SUCCESS),
        ("Lost", Semantics.FAILURE),
    ),
    (
        ("Queued", Semantics.PROCESS),
        ("Working", Semantics.PROCESS),
        ("Done", Semantics.SUCCESS),
        ("Dropped", Semantics.FAILURE),
    ),
)
STAGES = tuple((p, s) for p, stages in enumerate(PIPELINES) for s in range(len(stages)))


def stage_semantics(stage: tuple[int, int]) -> Semantics:
    return PIPELINES[stage[0]][stage[1]][1]


# The fields of each CRM type that field rules may name: the GraphQL fields that carry data
# of the record (what `access { hiddenFields readOnlyFields }` may list).
_COMMON = ("assignedTo", "createdBy", "opened", "createdAt", "updatedAt")
# Deals have no communications of their own.
_WITH_COMMUNICATIONS = (*_COMMON, "communications")
FIELDS: dict[Entity, tuple[str, ...]] = {
    Entity.LEAD: (
        *_WITH_COMMUNICATIONS,
        "title",
        "firstName",
        "lastName",
        "companyTitle",
        "status",
        "source",
        "sourceDescription",
        "utmSource",
        "utmMedium",
        "utmCampaign",
        "utmContent",
        "utmTerm",
    ),
    Entity.CONTACT: (*_WITH_COMMUNICATIONS, "firstName", "lastName", "position", "companies"),
    Entity.COMPANY: (
        *_WITH_COMMUNICATIONS,
        "title",
        "industry",
        "revenue",
        "employees",
        "address",
        "contacts",
        "deals",
    ),
    Entity.DEAL: (
        *_COMMON,
        "title",
        "stage",
        "amount",
        "currency",
        "probability",
        "company",
        "contacts",
        "closedAt",
    ),
}
# Custom fields the world defines (a STRING, set on every record of the entity): field
# rules name them by code, as they name built-in fields.
CUSTOM_FIELDS: dict[Entity, tuple[str, ...]] = {
    Entity.LEAD: (),
    Entity.CONTACT: (),
    Entity.COMPANY: (),
    Entity.DEAL: ("UF_NOTE",),
}
# Field rules are drawn from these, the fields the checks read.
RULED_FIELDS: dict[Entity, tuple[str, ...]] = {
    Entity.LEAD: ("title", "lastName", "status", "communications"),
    Entity.CONTACT: ("companies", "lastName", "communications"),
    Entity.COMPANY: ("title", "contacts", "deals", "communications"),
    Entity.DEAL: ("title", "stage", "company", "contacts", *CUSTOM_FIELDS[Entity.DEAL]),
}

ALL_RULED_FIELDS = [(entity, name) for entity in Entity for name in RULED_FIELDS[entity]]

WORDS = ("amber", "birch", "cedar", "delta", "ember")
PHONES = ("+1 555 0100", "+1 555 0101", "+1 555 0102")
INDUSTRIES = ("IT", "Retail")


class ScopeKind(enum.Enum):
    ANY = "ANY"
    STATUS = "STATUS"  # a lead status or a deal stage
    PIPELINE = "PIPELINE"
    SEMANTICS = "SEMANTICS"


@dataclass(frozen=True)
class Scope:
    """What a permission row applies to: ANY, one status (lead status index or deal stage
    (pipeline, index)), one pipeline (deals), or a semantics (leads and deals)."""

    kind: ScopeKind
    status: int | tuple[int, int] | None = None
    pipeline: int | None = None
    semantics: Semantics | None = None

    def __repr__(self) -> str:
        # Short, for hypothesis's falsifying examples: ANY, STATUS(3), PIPELINE(1), …
        given = [v for v in (self.status, self.pipeline, self.semantics) if v is not None]
        return self.kind.value + "".join(f"({value!r})" for value in given)


ANY = Scope(ScopeKind.ANY)


@dataclass(frozen=True)
class Role:
    # (entity, action, scope) → level
    levels: dict[tuple[Entity, Action, Scope], Level]
    # (entity, field, status or None for any) → "HIDDEN" | "READ_ONLY"
    field_rules: dict[tuple[Entity, str, int | tuple[int, int] | None], str]
    # pipeline → allowed (from stage index, to stage index); a pipeline absent: any move
    transitions: dict[int, frozenset[tuple[int, int]]]
    users: frozenset[int]
    departments: frozenset[int]


@dataclass(frozen=True)
class Department:
    parent: int | None
    head: int | None


@dataclass(frozen=True)
class User:
    department: int | None
    is_admin: bool


@dataclass(frozen=True)
class Record:
    entity: Entity
    responsible: int | None
    opened: bool
    title: str
    phone: str | None = None
    # LEAD: status index; DEAL: (pipeline, stage index)
    status: int | tuple[int, int] | None = None
    company: int | None = None  # DEAL
    contacts: frozenset[int] = frozenset()  # DEAL
    companies: frozenset[int] = frozenset()  # CONTACT
    amount: Decimal = Decimal("0.00")  # DEAL
    industry: str = ""  # COMPANY


RecordRef = tuple[Entity, int]


@dataclass(frozen=True)
class Activity:
    bindings: tuple[RecordRef, ...]
    responsible: int | None


@dataclass(frozen=True)
class Task:
    creator: int
    responsible: int
    accomplices: frozenset[int]
    auditors: frozenset[int]
    comment_authors: tuple[int, ...]


@dataclass(frozen=True)
class Recipient:
    kind: str  # ALL, DEPARTMENT, USER
    target: int | None = None


@dataclass(frozen=True)
class Post:
    author: int
    recipients: tuple[Recipient, ...]
    comment_authors: tuple[int, ...]


Subject = tuple[str, int]  # ("LEAD" | "CONTACT" | "COMPANY" | "DEAL" | "TASK" | "POST", index)


@dataclass(frozen=True)
class Population:
    departments: tuple[Department, ...]
    users: tuple[User, ...]
    roles: tuple[Role, ...]
    records: dict[Entity, tuple[Record, ...]]
    activities: tuple[Activity, ...] = ()
    tasks: tuple[Task, ...] = ()
    posts: tuple[Post, ...] = ()
    # (user, subject): one notification each
    notifications: tuple[tuple[int, Subject], ...] = ()

    def refs(self, entity: Entity | None = None) -> list[RecordRef]:
        entities = [entity] if entity else list(Entity)
        return [(e, i) for e in entities for i in range(len(self.records[e]))]

    def record(self, ref: RecordRef) -> Record:
        return self.records[ref[0]][ref[1]]
