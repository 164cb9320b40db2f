"""Hypothesis strategies for populations: a company, its roles, and everything it keeps.

A population is plain data (frozen dataclasses), independent of the database: people and
records refer to each other by index. ``load.py`` writes one into the database, ``model.py``
judges it. Small on purpose (about 6-10 users, at most about 30 records), so that one example
loads and is checked in well under a second.

Titles are two words of a small vocabulary and phones come from a small pool, so that
searches and duplicate lookups match several records, readable and unreadable ones.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from hypothesis import strategies as st

from tests.oracle.domain import (
    ALL_RULED_FIELDS,
    ANY,
    INDUSTRIES,
    LEAD_STATUSES,
    PHONES,
    PIPELINES,
    RULED_FIELDS,
    STAGES,
    WORDS,
    Action,
    Activity,
    Department,
    Entity,
    Level,
    Population,
    Post,
    Recipient,
    Record,
    Role,
    Scope,
    ScopeKind,
    Semantics,
    Subject,
    Task,
    User,
)

# Rules by pipeline and by stage semantics are being added to the app: generated only once
# it stores them (the oracle already knows their precedence).
SCOPED_RULES = True


@st.composite
def departments(draw: st.DrawFn) -> tuple[int | None, ...]:
    """Parents of a tree of 2-6 departments, 2-4 levels deep (index 0 is the root)."""
    count = draw(st.integers(2, 6))
    parents: list[int | None] = [None]
    depths = [1]
    for index in range(1, count):
        choices = [p for p in range(index) if depths[p] < 4]
        parent = draw(st.sampled_from(choices))
        parents.append(parent)
        depths.append(depths[parent] + 1)
    return tuple(parents)


def _status_scopes(entity: Entity) -> list[Scope]:
    if entity is Entity.LEAD:
        scopes = [Scope(ScopeKind.STATUS, status=i) for i in range(len(LEAD_STATUSES))]
    elif entity is Entity.DEAL:
        scopes = [Scope(ScopeKind.STATUS, status=stage) for stage in STAGES]
        if SCOPED_RULES:
            scopes += [Scope(ScopeKind.PIPELINE, pipeline=p) for p in range(len(PIPELINES))]
    else:
        return []
    if SCOPED_RULES:
        scopes += [Scope(ScopeKind.SEMANTICS, semantics=s) for s in Semantics]
    return scopes


def _often(value: bool) -> st.SearchStrategy[bool]:
    """``value`` seven times out of eight."""
    return st.sampled_from([value] * 7 + [not value])


FieldRules = dict[tuple[Entity, str, int | tuple[int, int] | None], str]


@st.composite
def field_rules(draw: st.DrawFn) -> FieldRules:
    """Per entity some fields ruled, mostly HIDDEN and mostly in every status."""
    rules: FieldRules = {}
    for entity in Entity:
        fields = RULED_FIELDS[entity]
        names = st.lists(st.sampled_from(fields), min_size=1, max_size=len(fields) - 1, unique=True)
        for name in draw(names):
            status: int | tuple[int, int] | None = None
            if draw(_often(False)) and entity is Entity.LEAD:
                status = draw(st.integers(0, len(LEAD_STATUSES) - 1))
            elif draw(_often(False)) and entity is Entity.DEAL:
                status = draw(st.sampled_from(STAGES))
            rules[(entity, name, status)] = draw(st.sampled_from(["HIDDEN"] * 3 + ["READ_ONLY"]))
    return rules


def _permission_keys() -> list[tuple[Entity, Action, Scope]]:
    """ANY rows for every (entity, action); status (and scoped) rows for READ, CREATE and
    UPDATE of leads and deals."""
    keys = [(entity, action, ANY) for entity in Entity for action in Action]
    for entity in Entity:
        for action in (Action.READ, Action.CREATE, Action.UPDATE):
            keys += [(entity, action, scope) for scope in _status_scopes(entity)]
    return keys


@st.composite
def roles(draw: st.DrawFn, user_count: int, department_count: int, focus: FieldRules) -> Role:
    keys = _permission_keys()
    level = st.sampled_from(list(Level))
    # Every role says something about reading each entity, so that most records are
    # readable by someone; then other ANY rows, and a few status rows that override them.
    # Reading leans wide, so that a viewer reads several records of each kind.
    wide = st.sampled_from(
        [Level.NONE, Level.OWN, *[Level.SUBDEPARTMENTS, Level.OPEN, Level.ALL] * 2]
    )
    levels = {(entity, Action.READ, ANY): draw(wide) for entity in Entity}
    levels |= {(entity, Action.UPDATE, ANY): draw(level) for entity in Entity}
    other_any = [key for key in keys if key[2] == ANY and key not in levels]
    levels |= draw(st.dictionaries(st.sampled_from(other_any), level, max_size=8))
    levels |= draw(st.dictionaries(st.sampled_from(keys), level, max_size=3))
    # The population's field rules, in most roles (a field is hidden only if every role of
    # the viewer that grants READ hides it), and rarely one of the role's own.
    rules = {key: kind for key, kind in focus.items() if draw(_often(True))}
    for entity, name in draw(st.lists(st.sampled_from(ALL_RULED_FIELDS), max_size=1)):
        rules[(entity, name, None)] = draw(st.sampled_from(["HIDDEN", "READ_ONLY"]))
    transitions: dict[int, frozenset[tuple[int, int]]] = {}
    if draw(st.booleans()):
        pipeline = draw(st.integers(0, len(PIPELINES) - 1))
        stage_count = len(PIPELINES[pipeline])
        # Forward one step at a time: no jump straight to the end.
        transitions[pipeline] = frozenset((s, s + 1) for s in range(stage_count - 2))
    users = draw(st.frozensets(st.integers(0, user_count - 1), max_size=3))
    held_by = draw(st.frozensets(st.integers(0, department_count - 1), max_size=2))
    return Role(levels, rules, transitions, users, held_by)


def _people(user_count: int) -> st.SearchStrategy[int | None]:
    return st.none() | st.integers(0, user_count - 1)


@st.composite
def _record(draw: st.DrawFn, entity: Entity, users: int, companies: int, contacts: int) -> Record:
    title = " ".join(draw(st.lists(st.sampled_from(WORDS), min_size=2, max_size=2)))
    base = Record(entity, draw(_people(users)), draw(st.booleans()), title)
    phone = st.none() | st.sampled_from(PHONES)
    if entity is Entity.LEAD:
        return replace(base, status=draw(st.integers(0, len(LEAD_STATUSES) - 1)), phone=draw(phone))
    if entity is Entity.CONTACT:
        linked = st.frozensets(st.integers(0, companies - 1), max_size=2)
        return replace(
            base, phone=draw(phone), companies=draw(linked) if companies else frozenset()
        )
    if entity is Entity.COMPANY:
        return replace(base, phone=draw(phone), industry=draw(st.sampled_from(INDUSTRIES)))
    return replace(
        base,
        status=draw(st.sampled_from(STAGES)),
        company=draw(st.none() | st.integers(0, companies - 1)) if companies else None,
        contacts=draw(st.frozensets(st.integers(0, contacts - 1), max_size=2))
        if contacts
        else frozenset(),
        amount=Decimal(draw(st.sampled_from(["100.00", "250.00", "900.00"]))),
    )


@st.composite
def populations(draw: st.DrawFn) -> Population:
    parents = draw(departments())
    user_count = draw(st.integers(6, 9))
    department = st.integers(0, len(parents) - 1)
    users = tuple(
        User(
            # The first user always has a department; others may have none.
            department=draw(department if index == 0 else st.none() | department),
            # At most one administrator: the last user, sometimes.
            is_admin=index == user_count - 1 and draw(st.booleans()),
        )
        for index in range(user_count)
    )
    depts = tuple(Department(parent, draw(_people(user_count))) for parent in parents)
    focus = draw(field_rules())
    role_list = tuple(
        draw(roles(user_count, len(depts), focus)) for _ in range(draw(st.integers(1, 3)))
    )
    counts = {
        Entity.COMPANY: draw(st.integers(0, 4)),
        Entity.CONTACT: draw(st.integers(0, 5)),
        Entity.LEAD: draw(st.integers(0, 5)),
        Entity.DEAL: draw(st.integers(1, 6)),
    }
    records: dict[Entity, tuple[Record, ...]] = {}
    for entity in (Entity.COMPANY, Entity.CONTACT, Entity.LEAD, Entity.DEAL):
        records[entity] = tuple(
            draw(_record(entity, user_count, counts[Entity.COMPANY], counts[Entity.CONTACT]))
            for _ in range(counts[entity])
        )
    refs = [(e, i) for e in Entity for i in range(counts[e])]
    activities: tuple[Activity, ...] = ()
    if refs:
        activities = tuple(
            Activity(
                tuple(draw(st.lists(st.sampled_from(refs), min_size=1, max_size=3, unique=True))),
                draw(_people(user_count)),
            )
            for _ in range(draw(st.integers(0, 4)))
        )
    person = st.integers(0, user_count - 1)
    tasks = tuple(
        Task(
            creator=draw(person),
            responsible=draw(person),
            accomplices=draw(st.frozensets(person, max_size=2)),
            auditors=draw(st.frozensets(person, max_size=2)),
            comment_authors=tuple(draw(st.lists(person, max_size=2))),
        )
        for _ in range(draw(st.integers(0, 4)))
    )
    recipient = st.one_of(
        st.just(Recipient("ALL")),
        st.builds(Recipient, st.just("DEPARTMENT"), st.integers(0, len(depts) - 1)),
        st.builds(Recipient, st.just("USER"), person),
    )
    posts = tuple(
        Post(
            author=draw(person),
            recipients=tuple(draw(st.lists(recipient, min_size=1, max_size=2, unique=True))),
            comment_authors=tuple(draw(st.lists(person, max_size=2))),
        )
        for _ in range(draw(st.integers(0, 3)))
    )
    subjects: list[Subject] = [(e.value, i) for e, i in refs]
    subjects += [("TASK", i) for i in range(len(tasks))] + [("POST", i) for i in range(len(posts))]
    notifications: tuple[tuple[int, Subject], ...] = ()
    if subjects:
        notifications = tuple(
            draw(st.lists(st.tuples(person, st.sampled_from(subjects)), max_size=4, unique=True))
        )
    return Population(depts, users, role_list, records, activities, tasks, posts, notifications)
