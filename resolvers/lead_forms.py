"""Web forms that create leads: defined by an admin, submitted by anyone holding the form's
key (a website's visitors), with a honeypot, a rate limit per client address and a log.

A submission becomes a lead through the same command as `createLead`, in the rights of the
form's owner: repeat detection flags duplicates, and the owner must keep the right to create
leads. The form's fields fill lead fields named as the API names them; ``utm_*`` marks are
taken as they come.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from auth.tokens import current_standing
from auth.viewer import Viewer
from models import Department, LeadForm, LeadFormSubmission, User, utcnow
from models.crm import CommunicationKind, LeadSource
from models.crm.entities import LEAD, FieldKind
from resolvers.access.loading import policy_for
from resolvers.context import RequestContext, Services
from resolvers.crm.communications import NewCommunication
from resolvers.crm.leads import NewLead, create_lead
from resolvers.errors import BadInput, Forbidden, NotFound, RateLimited
from resolvers.routing import Strategy, next_assignee
from resolvers.validation import text

MAX_NAME = 100
MAX_FIELDS = 30
FIELD_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_.-]{0,63}")
# The lead fields a form field may fill: the lead's texts, by their API names, and the two
# communications a visitor leaves.
TEXT_TARGETS = {
    field.name: field
    for field in LEAD.fields
    if field.kind is FieldKind.TEXT and field.attribute and not field.name.startswith("utm")
}
COMMUNICATION_TARGETS = {"phone": CommunicationKind.PHONE, "email": CommunicationKind.EMAIL}
TARGETS = sorted(TEXT_TARGETS) + sorted(COMMUNICATION_TARGETS)
UTM_MARKS = {
    f"utm_{mark}": field
    for field in LEAD.fields
    if field.attribute and (mark := field.attribute.removeprefix("utm_")) != field.attribute
}
MAX_COMMUNICATION = 255


class Outcome:
    """What became of a submission. REFUSED: the owner may no longer create such a lead."""

    CREATED, INVALID, SPAM, REFUSED = "CREATED", "INVALID", "SPAM", "REFUSED"


@dataclass(frozen=True)
class FormField:
    name: str
    lead_field: str
    required: bool = False


@dataclass(frozen=True)
class NewLeadForm:
    name: str
    fields: Sequence[FormField]
    owner_id: int | None = None
    assigned_to_id: int | None = None
    source_id: int | None = None
    honeypot: str = "website"
    routing: Routing | None = None


@dataclass(frozen=True)
class Routing:
    """New leads go to a member of this department, chosen by this strategy."""

    department_id: int
    strategy: Strategy


@dataclass(frozen=True)
class FormLimits:
    submissions_per_address: int
    window: timedelta


async def create_lead_form(ctx: RequestContext, new: NewLeadForm) -> LeadForm:
    admin = ctx.require_admin()
    if admin.api_key:
        raise Forbidden("An API key cannot define web forms; log in as an administrator")
    name = text(new.name, "name", max_length=MAX_NAME)
    honeypot = text(new.honeypot, "honeypot", max_length=MAX_NAME)
    fields = _checked_fields(new.fields, honeypot)
    async with ctx.db() as session:
        owner_id = admin.user_id if new.owner_id is None else new.owner_id
        await _require_active_user(session, owner_id, "ownerId")
        if new.assigned_to_id is not None:
            await _require_active_user(session, new.assigned_to_id, "assignedToId")
        if new.source_id is not None and await session.get(LeadSource, new.source_id) is None:
            raise NotFound("No lead source with that id", field="sourceId")
        routing = new.routing
        if routing is not None and await session.get(Department, routing.department_id) is None:
            raise NotFound("No department with that id", field="routing.departmentId")
        form = LeadForm(
            name=name,
            key=secrets.token_urlsafe(32),
            fields=[
                {"name": f.name, "leadField": f.lead_field, "required": f.required} for f in fields
            ],
            owner_id=owner_id,
            assigned_to_id=new.assigned_to_id,
            source_id=new.source_id,
            route_department_id=routing.department_id if routing else None,
            route_strategy=routing.strategy.value if routing else None,
            honeypot=honeypot,
            active=True,
        )
        session.add(form)
        await session.commit()
        return form


async def list_lead_forms(ctx: RequestContext) -> list[LeadForm]:
    ctx.require_admin()
    async with ctx.db() as session:
        return list(await session.scalars(select(LeadForm).order_by(LeadForm.id)))


async def set_lead_form_active(ctx: RequestContext, form_id: int, active: bool) -> LeadForm:
    ctx.require_admin()
    async with ctx.db() as session:
        form = await _require_form(session, form_id)
        form.active = active
        await session.commit()
        return form


async def delete_lead_form(ctx: RequestContext, form_id: int) -> None:
    """The form and its submission log; the leads it made stay."""
    ctx.require_admin()
    async with ctx.db() as session:
        await _require_form(session, form_id)
        await session.execute(
            delete(LeadFormSubmission).where(LeadFormSubmission.form_id == form_id)
        )
        await session.execute(delete(LeadForm).where(LeadForm.id == form_id))
        await session.commit()


async def submissions_by_form(ctx: RequestContext, form_ids: list[int]) -> Sequence[dict[str, int]]:
    """Per form, its submissions counted by outcome."""
    async with ctx.db() as session:
        rows = await session.execute(
            select(LeadFormSubmission.form_id, LeadFormSubmission.outcome, func.count())
            .where(LeadFormSubmission.form_id.in_(form_ids))
            .group_by(LeadFormSubmission.form_id, LeadFormSubmission.outcome)
        )
    counts: dict[int, dict[str, int]] = {form_id: {} for form_id in form_ids}
    for form_id, outcome, count in rows.tuples():
        counts[form_id][outcome] = count
    return [counts[form_id] for form_id in form_ids]


async def submit(
    services: Services,
    key: str,
    values: Mapping[str, Any],
    client_address: str,
    limits: FormLimits,
) -> int | None:
    """The id of the lead made of a submission; None for a bot's (the honeypot filled),
    which is answered like any other so that bots learn nothing. Refused: NotFound (no
    active form with that key), RateLimited, BadInput naming the form field."""
    async with services.session_factory() as session:
        form = await session.scalar(
            select(LeadForm).where(LeadForm.key == key, LeadForm.active.is_(True))
        )
        if form is None:
            raise NotFound("No active form at this address")
        await _count_submission(session, form.id, client_address, limits)
        if str(values.get(form.honeypot) or "").strip():
            await _log(session, form.id, client_address, Outcome.SPAM)
            return None
        try:
            new = _new_lead(form, values)
        except BadInput:
            await _log(session, form.id, client_address, Outcome.INVALID)
            raise
        if form.route_strategy is not None and form.route_department_id is not None:
            new = replace(new, assigned_to_id=await _route(session, form.id))
        owner = await current_standing(session, _bare_viewer(form.owner_id))
        if owner is None:
            await _log(session, form.id, client_address, Outcome.REFUSED)
            raise Forbidden("This form's owner is no longer active")
    ctx = RequestContext(services=services, viewer=owner, client_address=client_address)
    lead_id, outcome = None, Outcome.REFUSED
    try:
        ctx.policy = await policy_for(services, owner)
        lead_id = (await create_lead(ctx, new)).id
        outcome = Outcome.CREATED
    except BadInput:
        outcome = Outcome.INVALID
        raise
    finally:
        await ctx.close()
        async with services.session_factory() as session:
            await _log(session, form.id, client_address, outcome, lead_id)
    return lead_id


async def _route(session: AsyncSession, form_id: int) -> int | None:
    """The next assignee of a routed form, remembered at once: the form's row is locked
    until then, so that two processes taking submissions together never pick alike."""
    form = await session.scalar(
        select(LeadForm)
        .where(LeadForm.id == form_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    assert form is not None and form.route_strategy is not None
    if form.route_department_id is None:
        return form.assigned_to_id
    chosen = await next_assignee(
        session, form.route_department_id, Strategy(form.route_strategy), form.last_routed_to_id
    )
    form.last_routed_to_id = chosen
    await session.commit()
    # No active member: the lead goes where an unrouted form's would.
    return chosen if chosen is not None else form.assigned_to_id


def _checked_fields(fields: Sequence[FormField], honeypot: str) -> list[FormField]:
    if not 1 <= len(fields) <= MAX_FIELDS:
        raise BadInput(f"A form has 1 to {MAX_FIELDS} fields", field="fields")
    seen: set[str] = set()
    for field in fields:
        if not FIELD_NAME.fullmatch(field.name) or field.name.startswith("utm_"):
            raise BadInput(
                f"'{field.name}' is not a form field name (a letter, then letters, digits, "
                "'_', '.' or '-'; up to 64; not utm_*, which are taken as they come)",
                field="fields",
            )
        if field.name in seen or field.name == honeypot:
            raise BadInput(f"Form field '{field.name}' is named twice", field="fields")
        if field.lead_field not in TARGETS:
            raise BadInput(
                f"'{field.lead_field}' is not a lead field a form fills; one of "
                f"{', '.join(TARGETS)}",
                field="fields",
            )
        seen.add(field.name)
    return list(fields)


def _new_lead(form: LeadForm, values: Mapping[str, Any]) -> NewLead:
    texts: dict[str, str] = {}
    communications: list[NewCommunication] = []
    for spec in form.fields:
        name, target = spec["name"], spec["leadField"]
        value = _submitted(values, name, required=bool(spec["required"]))
        if not value:
            continue
        if target in COMMUNICATION_TARGETS:
            limited = text(value, name, max_length=MAX_COMMUNICATION)
            communications.append(NewCommunication(COMMUNICATION_TARGETS[target], limited))
        else:
            attribute = TEXT_TARGETS[target].attribute or ""
            texts[attribute] = text(value, name, max_length=TEXT_TARGETS[target].max_length or 0)
    utm = {
        field.attribute or "": text(value, mark, max_length=field.max_length or 0)
        for mark, field in UTM_MARKS.items()
        if (value := _submitted(values, mark, required=False))
    }
    if not any(texts.get(key) for key in ("title", "first_name", "last_name", "company_title")):
        texts["title"] = f"{form.name}: web form"
    return NewLead(
        title=texts.pop("title", ""),
        first_name=texts.pop("first_name", ""),
        last_name=texts.pop("last_name", ""),
        company_title=texts.pop("company_title", ""),
        source_id=form.source_id,
        source_description=texts.pop("source_description", ""),
        utm=utm | texts,
        assigned_to_id=form.assigned_to_id,
        communications=communications,
    )


def _submitted(values: Mapping[str, Any], name: str, *, required: bool) -> str:
    value = values.get(name)
    if value is None or value == "":
        if required:
            raise BadInput(f"'{name}' is required", field=name)
        return ""
    if not isinstance(value, str):
        raise BadInput(f"'{name}' must be text", field=name)
    return value


async def _count_submission(
    session: AsyncSession, form_id: int, client_address: str, limits: FormLimits
) -> None:
    """RateLimited once the address has sent the form its limit within the window. Counted
    before the submission is logged: near-simultaneous floods may pass the limit by the
    number of requests in flight, which a rate limit tolerates."""
    since = utcnow() - limits.window
    recent = await session.scalar(
        select(func.count()).where(
            LeadFormSubmission.form_id == form_id,
            LeadFormSubmission.client_address == client_address[:64],
            LeadFormSubmission.received_at >= since,
        )
    )
    if (recent or 0) >= limits.submissions_per_address:
        raise RateLimited("Too many submissions from this address; try again later")


async def _log(
    session: AsyncSession,
    form_id: int,
    client_address: str,
    outcome: str,
    lead_id: int | None = None,
) -> None:
    session.add(
        LeadFormSubmission(
            form_id=form_id,
            client_address=client_address[:64],
            received_at=utcnow(),
            outcome=outcome,
            lead_id=lead_id,
        )
    )
    await session.commit()


def _bare_viewer(user_id: int) -> Viewer:
    # Completed from the database by current_standing: department, admin right, epoch.
    return Viewer(
        user_id=user_id, is_admin=False, department_id=None, department_path="", token_id=0
    )


async def _require_active_user(session: AsyncSession, user_id: int, field: str) -> None:
    user = await session.get(User, user_id)
    if user is None or not user.active:
        raise NotFound("No active user with that id", field=field)


async def _require_form(session: AsyncSession, form_id: int) -> LeadForm:
    form = await session.get(LeadForm, form_id)
    if form is None:
        raise NotFound("No web form with that id", field="id")
    return form
