"""E-mail templates: Jinja2 in its sandbox, over the fields of one record that the sender
may read.

Users write templates, so they run in ``SandboxedEnvironment`` (no attribute of Python's
internals, ranges bounded) with ``StrictUndefined``: a name the context lacks is an error,
found when the template is saved by rendering it once over every field. A field hidden from
the sender on a record renders empty there, never its value.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from jinja2 import StrictUndefined, TemplateError, nodes
from jinja2.sandbox import SandboxedEnvironment

from models.crm import CrmEntity
from models.crm.entities import FieldKind, declaration_of
from resolvers.errors import BadInput

# Fields whose values a template may show: the record's own scalars (links and ids name
# other records, which the sender may not read).
_SHOWN_KINDS = frozenset(
    {FieldKind.TEXT, FieldKind.DECIMAL, FieldKind.INT, FieldKind.DATETIME, FieldKind.BOOLEAN}
)
MAX_SUBJECT = 255
_LINE_BREAKS = re.compile(r"\s*[\r\n]+\s*")

# One environment for the process: templates are compiled per use from their text; the
# environment holds no per-user state. Plain text mail: nothing to escape.
RENDER_ERRORS = (TemplateError, ArithmeticError, TypeError, ValueError)
_ENVIRONMENT = SandboxedEnvironment(undefined=StrictUndefined, autoescape=False)


def template_fields(entity: CrmEntity) -> dict[str, str | None]:
    """The record fields a template of ``entity`` may use (``record.<name>``), each with the
    ORM attribute it is read from (None: made of others, as ``name``)."""
    declaration = declaration_of(entity)
    fields: dict[str, str | None] = {
        field.name: field.attribute
        for field in declaration.fields
        if field.kind in _SHOWN_KINDS and field.attribute is not None
    }
    fields["name"] = None
    return fields


@dataclass(frozen=True)
class Rendered:
    subject: str
    body: str


def record_values(
    entity: CrmEntity, record: Any, hidden: frozenset[str], address: str
) -> dict[str, Any]:
    """``record`` in a template: its fields by their GraphQL names, empty where hidden."""
    declaration = declaration_of(entity)
    values: dict[str, Any] = {}
    for name, attribute in template_fields(entity).items():
        if attribute is None:
            continue
        value = getattr(record, attribute)
        values[name] = "" if name in hidden or value is None else value
    values["name"] = " ".join(
        str(values[part]) for part in declaration.name_fields if values.get(part)
    )
    values["email"] = address
    return values


def context_of(
    record: Mapping[str, Any], sender: Mapping[str, str], unsubscribe_url: str
) -> dict[str, Any]:
    return {"record": record, "sender": sender, "unsubscribe_url": unsubscribe_url}


def render(subject: str, body: str, context: Mapping[str, Any]) -> Rendered:
    """Raises ``RENDER_ERRORS``: bad syntax, an unknown name, a refused operation, or an
    operation the values do not support."""
    rendered_subject = _ENVIRONMENT.from_string(subject).render(context)
    # One header line: a field's line break must not start a header of its own.
    one_line = _LINE_BREAKS.sub(" ", rendered_subject).strip()[:MAX_SUBJECT]
    return Rendered(one_line, _ENVIRONMENT.from_string(body).render(context))


# The mail-merge subset of Jinja2 a template may use: values, conditions, tests and the
# filters below. The sandbox keeps a template out of Python's internals but not from burning
# the process (nested loops, ``"x" * 10**9``, ``"x".ljust(10**9)``): loops, calls, macros,
# arithmetic and slices are refused, so rendering costs what the template and the values
# weigh.
_ALLOWED_NODES = (
    nodes.Template,
    nodes.Output,
    nodes.TemplateData,
    nodes.Name,
    nodes.Getattr,
    nodes.Getitem,
    nodes.Const,
    nodes.If,
    nodes.Filter,
    nodes.Test,
    nodes.Compare,
    nodes.Operand,
    nodes.And,
    nodes.Or,
    nodes.Not,
    nodes.Concat,
    nodes.CondExpr,
)
_ALLOWED_FILTERS = frozenset(
    {
        "capitalize",
        "d",
        "default",
        "first",
        "int",
        "last",
        "length",
        "lower",
        "round",
        "string",
        "title",
        "trim",
        "truncate",
        "upper",
        "wordcount",
    }
)
MAX_CONSTANT = 10_000


# Jinja parses, and we check, a template by recursion, one level per nested expression or
# block: a short template nested deep enough ("not not not ...", "((((...", "a.b.c.d...",
# "{% if %}{% if %}...") exhausts the interpreter's stack. Its tokens are read first, without
# recursion, and a tag too long or blocks too deep are refused before anything is parsed.
MAX_TAG_TOKENS = 100
MAX_BLOCK_DEPTH = 10
_BLOCKS = frozenset({"if", "elif", "else", "endif"})


def _lexical_refusal(source: str) -> str | None:
    """Why a template's tokens are refused; None when their number and nesting are fine."""
    in_tag = 0
    depth = 0
    in_block = False
    for _line, kind, value in _ENVIRONMENT.lex(source):
        if kind in ("variable_begin", "block_begin"):
            in_tag, in_block = 0, kind == "block_begin"
            continue
        if kind == "whitespace":
            continue
        in_tag += 1
        if in_tag > MAX_TAG_TOKENS:
            return f"a tag holds at most {MAX_TAG_TOKENS} words and signs"
        if in_block and in_tag == 1 and kind == "name":
            if value not in _BLOCKS:
                return f"the block '{value}' is not allowed (if, elif, else, endif only)"
            depth += {"if": 1, "endif": -1}.get(value, 0)
            if depth > MAX_BLOCK_DEPTH:
                return f"'if' blocks nest at most {MAX_BLOCK_DEPTH} deep"
    return None


def _refusal(node: nodes.Node) -> str | None:
    """Why a template's node is refused; None when it is allowed."""
    if not isinstance(node, _ALLOWED_NODES):
        return f"'{type(node).__name__}' is not allowed (values, conditions and filters only)"
    if isinstance(node, nodes.Filter) and node.name not in _ALLOWED_FILTERS:
        return f"the filter '{node.name}' is not allowed ({', '.join(sorted(_ALLOWED_FILTERS))})"
    if isinstance(node, nodes.Filter | nodes.Test) and (node.dyn_args or node.dyn_kwargs):
        return "filters take plain arguments"
    value = node.value if isinstance(node, nodes.Const) else None
    if isinstance(value, int | float) and abs(value) > MAX_CONSTANT:
        return f"numbers in a template stay within ±{MAX_CONSTANT}"
    for child in node.iter_child_nodes():
        refusal = _refusal(child)
        if refusal is not None:
            return refusal
    return None


def checked(entity: CrmEntity, subject: str, body: str) -> None:
    """BAD_USER_INPUT naming ``subject`` or ``body`` unless both keep to the allowed subset
    and render over a record of ``entity`` whose every field is set."""
    sample = {name: f"<{name}>" for name in template_fields(entity)}
    sample["email"] = "someone@example.com"
    context = context_of(sample, {"name": "Sender", "email": "sender@example.com"}, "")
    for field, source in (("subject", subject), ("body", body)):
        try:
            refusal = _lexical_refusal(source) or _refusal(_ENVIRONMENT.parse(source))
            if refusal is not None:
                raise BadInput(f"The {field} template: {refusal}", field=field)
            _ENVIRONMENT.from_string(source).render(context)
        except RENDER_ERRORS as error:
            raise BadInput(f"The {field} template does not render: {error}", field=field) from None
