"""The oracle: DESIGN.md §4's access rules over a population, in memory.

Written from the design's text, not from the app: nothing here imports ``auth`` (the policy
under test). Viewers, records, tasks and posts are population indexes.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cached_property

from tests.oracle.domain import (
    ANY,
    CUSTOM_FIELDS,
    FIELDS,
    LEAD_STATUSES,
    PIPELINES,
    Action,
    Entity,
    Level,
    Population,
    Record,
    RecordRef,
    Role,
    Scope,
    ScopeKind,
    Semantics,
    Subject,
    stage_semantics,
)

# Most specific first: a stage (or lead status) row, then the pipeline's, then the semantics',
# then the role's ANY row.
PRECEDENCE = (ScopeKind.STATUS, ScopeKind.PIPELINE, ScopeKind.SEMANTICS, ScopeKind.ANY)
HIDING = frozenset({"HIDDEN"})
LOCKING = frozenset({"HIDDEN", "READ_ONLY"})


def _semantics_of(entity: Entity, status: int | tuple[int, int] | None) -> Semantics | None:
    if entity is Entity.LEAD and isinstance(status, int):
        return LEAD_STATUSES[status][1]
    if entity is Entity.DEAL and isinstance(status, tuple):
        return stage_semantics(status)
    return None


def _scopes_for(entity: Entity, status: int | tuple[int, int] | None) -> dict[ScopeKind, Scope]:
    """The scope of each kind that a record in ``status`` falls under."""
    scopes = {ScopeKind.ANY: ANY}
    if status is None:
        return scopes
    scopes[ScopeKind.STATUS] = Scope(ScopeKind.STATUS, status=status)
    if entity is Entity.DEAL and isinstance(status, tuple):
        scopes[ScopeKind.PIPELINE] = Scope(ScopeKind.PIPELINE, pipeline=status[0])
    semantics = _semantics_of(entity, status)
    if semantics is not None:
        scopes[ScopeKind.SEMANTICS] = Scope(ScopeKind.SEMANTICS, semantics=semantics)
    return scopes


def role_level(
    role: Role, entity: Entity, action: Action, status: int | tuple[int, int] | None
) -> Level:
    """The role's most specific row for the status; NONE without one."""
    scopes = _scopes_for(entity, status)
    for kind in PRECEDENCE:
        scope = scopes.get(kind)
        if scope is not None and (entity, action, scope) in role.levels:
            return role.levels[(entity, action, scope)]
    return Level.NONE


def role_field_rule(
    role: Role, entity: Entity, name: str, status: int | tuple[int, int] | None
) -> str | None:
    """The role's rule for a field in a status: the status's own rule, else the ANY one."""
    if status is not None and (entity, name, status) in role.field_rules:
        return role.field_rules[(entity, name, status)]
    return role.field_rules.get((entity, name, None))


# What a hidden lead status hides with it.
LEAD_STATUS_REVEALED_BY = frozenset(("convertedAt", "contact", "company", "deal"))


@dataclass
class Oracle:
    population: Population

    # The company -------------------------------------------------------------------------

    @cached_property
    def _ancestry(self) -> list[list[int]]:
        """Each department's chain: itself, its parent, …, the root."""
        chains = []
        for index in range(len(self.population.departments)):
            chain = [index]
            while (parent := self.population.departments[chain[-1]].parent) is not None:
                chain.append(parent)
            chains.append(chain)
        return chains

    def department_of(self, user: int) -> int | None:
        return self.population.users[user].department

    def is_admin(self, user: int) -> bool:
        return self.population.users[user].is_admin

    def in_subtree(self, department: int | None, top: int) -> bool:
        return department is not None and top in self._ancestry[department]

    def roles_of(self, user: int) -> list[Role]:
        """Held directly, or through the user's department or any department above it."""
        home = self.department_of(user)
        return [
            role
            for role in self.population.roles
            if user in role.users
            or (home is not None and any(self.in_subtree(home, d) for d in role.departments))
        ]

    # Levels ------------------------------------------------------------------------------

    def level(
        self, user: int, entity: Entity, action: Action, status: int | tuple[int, int] | None
    ) -> Level:
        if self.is_admin(user):
            return Level.ALL
        levels = [role_level(role, entity, action, status) for role in self.roles_of(user)]
        return max(levels, default=Level.NONE)

    def reaches(self, level: Level, user: int, record: Record) -> bool:
        """Whether ``level`` held by ``user`` reaches the record."""
        if level is Level.ALL:
            return True
        if level is Level.NONE:
            return False
        if record.responsible is not None and record.responsible == user:
            return True
        if level is Level.OPEN and record.opened:
            return True
        if level is Level.OWN:
            return False
        mine = self.department_of(user)
        theirs = None if record.responsible is None else self.department_of(record.responsible)
        if mine is None or theirs is None:
            return False
        if level is Level.DEPARTMENT:
            return theirs == mine
        return self.in_subtree(theirs, mine)  # SUBDEPARTMENTS, OPEN

    def allows(self, user: int, action: Action, record: Record) -> bool:
        if self.is_admin(user):
            return True
        level = self.level(user, record.entity, action, record.status)
        return self.reaches(level, user, record)

    def readable(self, user: int, ref: RecordRef) -> bool:
        return self.allows(user, Action.READ, self.population.record(ref))

    def readable_refs(self, user: int, entity: Entity) -> set[int]:
        return {i for _e, i in self.population.refs(entity) if self.readable(user, (entity, i))}

    def _granting(self, user: int, action: Action, record: Record) -> list[Role]:
        return [
            role
            for role in self.roles_of(user)
            if self.reaches(role_level(role, record.entity, action, record.status), user, record)
        ]

    # Fields ------------------------------------------------------------------------------

    def _masked(self, user: int, action: Action, record: Record, kinds: frozenset[str]) -> set[str]:
        """Fields that every role granting ``action`` on the record rules with ``kinds``
        (every built-in field when no role grants it: the policy knows no custom field by
        itself, and ``canUpdate`` already says that nothing may change)."""
        if self.is_admin(user):
            return set()
        granting = self._granting(user, action, record)
        if not granting:
            return set(FIELDS[record.entity])
        named = (*FIELDS[record.entity], *CUSTOM_FIELDS[record.entity])
        fields = set(named)
        for role in granting:
            fields &= {
                name
                for name in named
                if role_field_rule(role, record.entity, name, record.status) in kinds
            }
        return fields

    def hidden_fields(self, user: int, ref: RecordRef) -> set[str]:
        hidden = self._masked(user, Action.READ, self.population.record(ref), HIDING)
        if ref[0] is Entity.LEAD and "status" in hidden:
            # Whether and into what a lead was converted tells its status.
            hidden |= LEAD_STATUS_REVEALED_BY
        return hidden

    def read_only_fields(self, user: int, ref: RecordRef) -> set[str]:
        return self._masked(user, Action.UPDATE, self.population.record(ref), LOCKING)

    def shows(self, user: int, ref: RecordRef, name: str) -> bool:
        """The record is readable and the field not hidden from the viewer."""
        return self.readable(user, ref) and name not in self.hidden_fields(user, ref)

    # Writes ------------------------------------------------------------------------------

    def may_update(self, user: int, ref: RecordRef, touched: str | None = None) -> bool:
        record = self.population.record(ref)
        if not self.allows(user, Action.UPDATE, record):
            return False
        return touched is None or touched not in self.read_only_fields(user, ref)

    def may_delete(self, user: int, ref: RecordRef) -> bool:
        return self.allows(user, Action.DELETE, self.population.record(ref))

    def _may_move(self, roles: list[Role], pipeline: int, move: tuple[int, int]) -> bool:
        return any(
            pipeline not in role.transitions or move in role.transitions[pipeline] for role in roles
        )

    def allowed_stages(self, user: int, deal: int) -> list[tuple[int, int]]:
        """Stages of the deal's pipeline it may move to: UPDATE before and after, the stage
        not read-only, and the move allowed by some role that grants UPDATE on the deal as
        it is."""
        record = self.population.records[Entity.DEAL][deal]
        assert isinstance(record.status, tuple)
        if not self.allows(user, Action.UPDATE, record):
            return []
        # A read-only stage may not move (and moves would name the stage it is in).
        if "stage" in self.read_only_fields(user, (Entity.DEAL, deal)):
            return []
        pipeline, current = record.status
        movers = self._granting(user, Action.UPDATE, record)
        allowed = []
        for index in range(len(PIPELINES[pipeline])):
            moved = _with_status(record, (pipeline, index))
            if index == current or not self.allows(user, Action.UPDATE, moved):
                continue
            if self.is_admin(user) or self._may_move(movers, pipeline, (current, index)):
                allowed.append((pipeline, index))
        return allowed

    def may_create_deal(self, user: int, record: Record) -> bool:
        """CREATE reaches the new deal; a deal made past its pipeline's first stage must be
        one the viewer could have made in the first stage and then moved there (UPDATE in
        both stages, and the move allowed by a role that grants UPDATE in the first)."""
        if not self.allows(user, Action.CREATE, record):
            return False
        assert isinstance(record.status, tuple)
        pipeline, stage = record.status
        if stage == 0:
            return True
        at_first = _with_status(record, (pipeline, 0))
        if not (
            self.allows(user, Action.UPDATE, at_first) and self.allows(user, Action.UPDATE, record)
        ):
            return False
        movers = self._granting(user, Action.UPDATE, at_first)
        return self.is_admin(user) or self._may_move(movers, pipeline, (0, stage))

    # Activities, tasks, posts --------------------------------------------------------------

    def activity_readable(self, user: int, activity: int) -> bool:
        bindings = self.population.activities[activity].bindings
        return any(self.readable(user, ref) for ref in bindings)

    def activity_changeable(self, user: int, activity: int, action: Action) -> bool:
        """Readable, and ``action`` (UPDATE to change it, DELETE to delete it) reaches every
        record it is bound to."""
        bindings = self.population.activities[activity].bindings
        return self.activity_readable(user, activity) and all(
            self.allows(user, action, self.population.record(ref)) for ref in bindings
        )

    def _heads_above(self, person: int) -> set[int]:
        home = self.department_of(person)
        if home is None:
            return set()
        heads = (self.population.departments[d].head for d in self._ancestry[home])
        return {head for head in heads if head is not None}

    def task_visible(self, user: int, task: int) -> bool:
        if self.is_admin(user):
            return True
        t = self.population.tasks[task]
        people = {t.creator, t.responsible, *t.accomplices, *t.auditors}
        return user in people or any(user in self._heads_above(p) for p in people)

    def post_visible(self, user: int, post: int) -> bool:
        if self.is_admin(user):
            return True
        p = self.population.posts[post]
        if user == p.author:
            return True
        home = self.department_of(user)
        for recipient in p.recipients:
            if recipient.kind == "ALL" or (recipient.kind == "USER" and recipient.target == user):
                return True
            department = recipient.target if recipient.kind == "DEPARTMENT" else None
            if department is not None and self.in_subtree(home, department):
                return True
        return False

    def subject_visible(self, user: int, subject: Subject) -> bool:
        kind, index = subject
        if kind == "TASK":
            return self.task_visible(user, index)
        if kind == "POST":
            return self.post_visible(user, index)
        return self.readable(user, (Entity(kind), index))


def _with_status(record: Record, status: tuple[int, int]) -> Record:
    return replace(record, status=status)
