"""Odd inputs to the custom fields, webhooks, e-mail and automation mutations: each is refused
with a coded client error (BAD_USER_INPUT or NOT_FOUND), never an internal error."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.client import GraphQLClient

HUGE = 2**31 - 1
FORGED = "VXNlcjow"  # "User:0"

CUSTOM_FIELD = "mutation($i: CustomFieldDefinitionInput!) { createCustomField(input: $i) { id } }"
WEBHOOK = "mutation($i: CreateWebhookInput!) { createWebhook(input: $i) { webhook { id } } }"
TEMPLATE = "mutation($i: MailTemplateInput!) { createMailTemplate(input: $i) { id } }"
RULE = "mutation($i: AutomationRuleInput!) { createAutomationRule(input: $i) { id } }"


def field(**given: Any) -> dict[str, Any]:
    return {"entity": "DEAL", "code": "odd", "name": "Odd", "kind": "STRING", **given}


def rule(*actions: dict[str, Any], **trigger: Any) -> dict[str, Any]:
    return {
        "name": "Odd",
        "trigger": {"kind": "LEAD_CREATED", **trigger},
        "actions": list(actions),
    }


def set_field(name: str, value: Any) -> dict[str, Any]:
    return {"kind": "SET_FIELD", "field": name, "value": value}


CASES: list[tuple[str, str, dict[str, Any]]] = [
    ("field code empty", CUSTOM_FIELD, field(code="")),
    ("field code huge", CUSTOM_FIELD, field(code="x" * 10_000)),
    ("field code odd", CUSTOM_FIELD, field(code="a b\x00")),
    ("enumeration no options", CUSTOM_FIELD, field(kind="ENUMERATION", options=[])),
    ("enumeration same options", CUSTOM_FIELD, field(kind="ENUMERATION", options=["a", "a"])),
    ("enumeration empty option", CUSTOM_FIELD, field(kind="ENUMERATION", options=[""])),
    (
        "enumeration many options",
        CUSTOM_FIELD,
        field(kind="ENUMERATION", options=[str(n) for n in range(5000)]),
    ),
    ("options on a string", CUSTOM_FIELD, field(options=["a"])),
    (
        "unknown default option",
        CUSTOM_FIELD,
        field(kind="ENUMERATION", options=["a"], default=[{"string": "b"}]),
    ),
    ("default of another kind", CUSTOM_FIELD, field(default=[{"integer": 1}])),
    ("default empty value", CUSTOM_FIELD, field(kind="INTEGER", default=[{}])),
    (
        "default two kinds",
        CUSTOM_FIELD,
        field(kind="INTEGER", default=[{"integer": 1, "string": "a"}]),
    ),
    (
        "defaults of a single",
        CUSTOM_FIELD,
        field(kind="INTEGER", default=[{"integer": 1}, {"integer": 2}]),
    ),
    (
        "decimal out of range",
        CUSTOM_FIELD,
        field(kind="DECIMAL", default=[{"decimal": "1e999999"}]),
    ),
    ("decimal huge", CUSTOM_FIELD, field(kind="DECIMAL", default=[{"decimal": "9" * 40}])),
    ("decimal NaN", CUSTOM_FIELD, field(kind="DECIMAL", default=[{"decimal": "NaN"}])),
    (
        "money odd currency",
        CUSTOM_FIELD,
        field(kind="MONEY", default=[{"decimal": "1", "currency": "??"}]),
    ),
    ("money no currency", CUSTOM_FIELD, field(kind="MONEY", default=[{"decimal": "1"}])),
    (
        "money huge",
        CUSTOM_FIELD,
        field(kind="MONEY", default=[{"decimal": "1e40", "currency": "USD"}]),
    ),
    (
        "date year 1",
        CUSTOM_FIELD,
        field(kind="DATETIME", default=[{"datetime": "0001-01-01T00:00:00+14:00"}]),
    ),
    ("user forged", CUSTOM_FIELD, field(kind="USER", default=[{"string": FORGED}])),
    ("webhook url empty", WEBHOOK, {"url": "", "eventKinds": ["DEAL_CREATED"]}),
    ("webhook url odd", WEBHOOK, {"url": "http://[::1", "eventKinds": ["DEAL_CREATED"]}),
    (
        "webhook url port",
        WEBHOOK,
        {"url": "http://example.com:99999/", "eventKinds": ["DEAL_CREATED"]},
    ),
    ("webhook url scheme", WEBHOOK, {"url": "ftp://example.com/", "eventKinds": ["DEAL_CREATED"]}),
    (
        "webhook url huge",
        WEBHOOK,
        {"url": "https://e.com/" + "a" * 100_000, "eventKinds": ["DEAL_CREATED"]},
    ),
    ("webhook url NUL", WEBHOOK, {"url": "https://e.com/\x00", "eventKinds": ["DEAL_CREATED"]}),
    ("webhook no kinds", WEBHOOK, {"url": "https://example.com/", "eventKinds": []}),
    (
        "webhook forged filter",
        WEBHOOK,
        {
            "url": "https://example.com/",
            "eventKinds": ["DEAL_CREATED"],
            "filter": {"pipelineId": FORGED},
        },
    ),
    ("template empty", TEMPLATE, {"name": "", "entity": "LEAD", "subject": "", "body": ""}),
    (
        "template open brace",
        TEMPLATE,
        {"name": "T", "entity": "LEAD", "subject": "{", "body": "{{title"},
    ),
    (
        "template huge",
        TEMPLATE,
        {"name": "T", "entity": "LEAD", "subject": "S", "body": "b" * 50_000},
    ),
    (
        "template deep not",
        TEMPLATE,
        {"name": "T", "entity": "LEAD", "subject": "S", "body": "{{ " + "not " * 4000 + "1 }}"},
    ),
    (
        "template deep parens",
        TEMPLATE,
        {
            "name": "T",
            "entity": "LEAD",
            "subject": "S",
            "body": "{{ " + "(" * 5000 + "1" + ")" * 5000 + " }}",
        },
    ),
    (
        "template deep ifs",
        TEMPLATE,
        {
            "name": "T",
            "entity": "LEAD",
            "subject": "S",
            "body": "{% if 1 %}" * 2000 + "{% endif %}" * 1000,
        },
    ),
    (
        "template deep filters",
        TEMPLATE,
        {
            "name": "T",
            "entity": "LEAD",
            "subject": "S",
            "body": "{{ 1" + " | string" * 2000 + " }}",
        },
    ),
    (
        "template deep concat",
        TEMPLATE,
        {"name": "T", "entity": "LEAD", "subject": "S", "body": "{{ 'a'" + " ~ 'a'" * 3000 + " }}"},
    ),
    (
        "template deep attributes",
        TEMPLATE,
        {"name": "T", "entity": "LEAD", "subject": "S", "body": "{{ record" + ".a" * 6000 + " }}"},
    ),
    (
        "template odd syntax",
        TEMPLATE,
        {"name": "T", "entity": "LEAD", "subject": "{{", "body": "{% for %}"},
    ),
    ("rule no action", RULE, rule()),
    ("rule unknown field", RULE, rule(set_field("nope", 1))),
    ("rule huge int", RULE, rule(set_field("probability", 10**30))),
    ("rule float", RULE, rule(set_field("probability", 1e300))),
    ("rule object value", RULE, rule(set_field("probability", {"a": [1]}))),
    ("rule list value", RULE, rule(set_field("title", ["a"]))),
    ("rule bool for int", RULE, rule(set_field("probability", True))),
    ("rule decimal huge", RULE, rule(set_field("opportunity", "1e999999"))),
    ("rule decimal NaN", RULE, rule(set_field("opportunity", "NaN"))),
    ("rule decimal text", RULE, rule(set_field("opportunity", "ten"))),
    (
        "rule deadline huge",
        RULE,
        rule({"kind": "CREATE_TASK", "title": "T", "deadlineInHours": HUGE}),
    ),
    (
        "rule deadline negative",
        RULE,
        rule({"kind": "CREATE_TASK", "title": "T", "deadlineInHours": -1}),
    ),
    ("rule task no title", RULE, rule({"kind": "CREATE_TASK"})),
    (
        "rule task unknown placeholder",
        RULE,
        rule({"kind": "CREATE_TASK", "title": "T", "description": "{nope}"}),
    ),
    ("rule notify no text", RULE, rule({"kind": "NOTIFY"})),
    ("rule text field number", RULE, rule(set_field("title", 12))),
    ("rule text field object", RULE, rule(set_field("sourceDescription", {"a": 1}))),
    ("rule required text null", RULE, rule(set_field("title", None))),
    ("rule assign nothing", RULE, rule({"kind": "ASSIGN"})),
    ("rule notify forged", RULE, rule({"kind": "NOTIFY", "text": "x", "userId": FORGED})),
    ("rule webhook forged", RULE, rule({"kind": "CALL_WEBHOOK", "webhookId": "V2ViaG9vazo5OTk5"})),
    ("rule field trigger none", RULE, rule({"kind": "NOTIFY", "text": "x"}, kind="FIELD_CHANGED")),
    (
        "rule field trigger unknown",
        RULE,
        rule({"kind": "NOTIFY", "text": "x"}, kind="FIELD_CHANGED", entity="DEAL", field="nope"),
    ),
    (
        "rule stage trigger none",
        RULE,
        rule({"kind": "NOTIFY", "text": "x"}, kind="DEAL_STAGE_ENTERED"),
    ),
    (
        "rule stage forged",
        RULE,
        rule(
            {"kind": "NOTIFY", "text": "x"},
            kind="DEAL_STAGE_ENTERED",
            stageId="RGVhbFN0YWdlOjk5OTk5",
        ),
    ),
    ("rule overdue no entity", RULE, rule({"kind": "NOTIFY", "text": "x"}, kind="TASK_OVERDUE")),
    ("rule text huge", RULE, rule({"kind": "NOTIFY", "text": "{" * 100_000})),
]


@pytest.mark.parametrize(
    ("document", "variables"), [case[1:] for case in CASES], ids=[case[0] for case in CASES]
)
async def test_odd_input_is_refused(
    admin: GraphQLClient, document: str, variables: dict[str, Any]
) -> None:
    answer = await admin.request(document, {"i": variables})
    assert answer.codes, answer
    assert set(answer.codes) <= {"BAD_USER_INPUT", "NOT_FOUND"}, answer.errors


# Just within the limits on a tag's length and the nesting of blocks: still saved.
DEEPEST = [
    "{{ " + "(" * 49 + "1" + ")" * 49 + " }}",
    "{{ " + "not " * 98 + "1 }}",
    "{{ 1" + " | string" * 49 + " }}",
    "{{ record" + ".title" * 1 + " | default('x')" * 14 + " }}",
    "{% if 1 %}" * 10 + "x" + "{% endif %}" * 10,
]


@pytest.mark.parametrize("body", DEEPEST, ids=["parens", "not", "filters", "defaults", "ifs"])
async def test_deep_template_within_the_limits_is_saved(admin: GraphQLClient, body: str) -> None:
    template = {"name": "T", "entity": "LEAD", "subject": "S", "body": body}
    answer = await admin.request(TEMPLATE, {"i": template})
    assert not answer.errors, answer.errors


async def test_a_rule_may_clear_an_optional_text(admin: GraphQLClient) -> None:
    answer = await admin.request(RULE, {"i": rule(set_field("sourceDescription", None))})
    assert not answer.errors, answer.errors


@pytest.mark.parametrize("where", ["variables", "query"])
async def test_a_deeply_nested_body_is_refused(admin: GraphQLClient, where: str) -> None:
    # Within the size limit, but as deep as a JSON or GraphQL parser cannot recurse.
    depth = 100_000
    document = "query($v: JSON) { viewer { id } }"
    if where == "variables":
        nested = "[" * depth + "]" * depth
        body = f'{{"query": {json.dumps(document)}, "variables": {{"v": {nested}}}}}'
    else:
        body = json.dumps({"query": "{ viewer { id " + "{ id " * depth + "} }"})
    answer = await admin.http.post(
        "/graphql",
        content=body,
        headers={"Authorization": f"Bearer {admin.token}", "Content-Type": "application/json"},
    )
    assert answer.status_code < 500, answer.text[:500]
    codes = [error["extensions"]["code"] for error in answer.json()["errors"]]
    assert codes and "INTERNAL_SERVER_ERROR" not in codes, answer.text[:500]
