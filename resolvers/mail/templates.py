"""E-mail templates: any user writes them and all may use them; their author or an
administrator changes or deletes them."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models import MailTemplate
from models.crm import CrmEntity
from resolvers.context import RequestContext
from resolvers.errors import BadInput, Forbidden, not_found
from resolvers.mail.rendering import checked
from resolvers.pagination import Page, PageRequest, SortKey, fetch_page
from resolvers.patch import MISSING, Missing
from resolvers.validation import text

MAX_NAME = 100
MAX_SUBJECT_TEMPLATE = 500
MAX_BODY_TEMPLATE = 20_000
# The kinds of record mail goes to: those with e-mail communications of their own.
MAILED = frozenset({CrmEntity.CONTACT, CrmEntity.LEAD})


@dataclass(frozen=True)
class NewTemplate:
    name: str
    entity: CrmEntity
    subject: str
    body: str


@dataclass(frozen=True)
class TemplateChanges:
    name: str | Missing = MISSING
    subject: str | Missing = MISSING
    body: str | Missing = MISSING


def _subject(value: str) -> str:
    return text(value, "subject", max_length=MAX_SUBJECT_TEMPLATE)


def _body(value: str) -> str:
    return text(value, "body", max_length=MAX_BODY_TEMPLATE)


async def create_template(ctx: RequestContext, new: NewTemplate) -> MailTemplate:
    viewer = ctx.require_viewer()
    if new.entity not in MAILED:
        raise BadInput("Templates are for contacts and leads", field="entity")
    name = text(new.name, "name", max_length=MAX_NAME)
    subject, body = _subject(new.subject), _body(new.body)
    checked(new.entity, subject, body)
    template = MailTemplate(
        name=name, entity=new.entity, subject=subject, body=body, created_by_id=viewer.user_id
    )
    async with ctx.db() as session:
        session.add(template)
        await session.commit()
    return template


async def _changeable(ctx: RequestContext, session: AsyncSession, pk: int) -> MailTemplate:
    viewer = ctx.require_viewer()
    template = await session.get(MailTemplate, pk)
    if template is None:
        raise not_found("MailTemplate", pk)
    if not viewer.is_admin and template.created_by_id != viewer.user_id:
        raise Forbidden("Only its author or an administrator may change a template")
    return template


async def update_template(ctx: RequestContext, pk: int, changes: TemplateChanges) -> MailTemplate:
    async with ctx.db() as session:
        template = await _changeable(ctx, session, pk)
        if isinstance(changes.name, str):
            template.name = text(changes.name, "name", max_length=MAX_NAME)
        if isinstance(changes.subject, str):
            template.subject = _subject(changes.subject)
        if isinstance(changes.body, str):
            template.body = _body(changes.body)
        checked(template.entity, template.subject, template.body)
        await session.commit()
    return template


async def delete_template(ctx: RequestContext, pk: int) -> None:
    """The template goes; mailings made with it stay (without it)."""
    async with ctx.db() as session:
        template = await _changeable(ctx, session, pk)
        await session.delete(template)
        await session.commit()


async def list_templates(ctx: RequestContext, page: PageRequest) -> Page[MailTemplate]:
    """Every template, oldest first: they hold no record's data, and all may use them."""
    ctx.require_viewer()
    return await fetch_page(ctx, select(MailTemplate), [SortKey(MailTemplate.id)], page)


async def get_template(ctx: RequestContext, pk: int, field: str = "templateId") -> MailTemplate:
    ctx.require_viewer()
    async with ctx.db() as session:
        template = await session.get(MailTemplate, pk)
    if template is None:
        raise not_found("MailTemplate", pk, field)
    return template
