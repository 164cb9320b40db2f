"""Bad input: a clear error naming the field, the right code, and nothing written."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from models import Base, SessionFactory
from models.crm import DealStage, Pipeline, Semantics
from tests.client import GraphQLClient
from tests.crm.api import (
    CREATE_COMPANY,
    CREATE_CONTACT,
    CREATE_DEAL,
    CREATE_LEAD,
    create,
    global_id,
)

MISSING_DEAL = "RGVhbDo5OTk5OTk"  # Deal:999999
CONVERT = """mutation($id: ID!, $input: ConvertLeadInput!) {
  convertLead(id: $id, input: $input) { lead { id } } }"""
MOVE = "mutation($id: ID!, $stage: ID!) { moveDeal(id: $id, stageId: $stage) { id } }"
UPDATE_DEAL = "mutation($id: ID!, $input: DealPatch!) { updateDeal(id: $id, input: $input) { id } }"
UPDATE_LEAD = "mutation($id: ID!, $input: LeadPatch!) { updateLead(id: $id, input: $input) { id } }"
DEALS = "query($f: DealFilter, $o: [DealOrder!]) { deals(filter: $f, orderBy: $o) { totalCount } }"
LEADS = "query($f: LeadFilter) { leads(filter: $f) { totalCount } }"


async def row_counts(session_factory: SessionFactory) -> dict[str, int]:
    async with session_factory() as session:
        return {
            name: int(await session.scalar(select(func.count()).select_from(table)) or 0)
            for name, table in Base.metadata.tables.items()
            if name.startswith("crm_")
        }


async def other_pipeline_stage(session_factory: SessionFactory) -> int:
    async with session_factory() as session:
        pipeline = Pipeline(name="Partners", sort=20, is_default=False)
        session.add(pipeline)
        await session.flush()
        stage = DealStage(
            pipeline_id=pipeline.id, name="Talks", sort=10, semantics=Semantics.PROCESS
        )
        session.add(stage)
        await session.commit()
        return stage.id


@pytest.fixture
async def records(member: GraphQLClient) -> dict[str, Any]:
    lead = await create(member, CREATE_LEAD, title="Lead")
    contact = await create(member, CREATE_CONTACT, lastName="Kim")
    company = await create(member, CREATE_COMPANY, title="Acme")
    deal = await create(member, CREATE_DEAL, title="Deal")
    await member.data(CONVERT, {"id": lead["id"], "input": {"createContact": True}})
    return {"lead": lead, "contact": contact, "company": company, "deal": deal}


def cases(
    records: dict[str, Any], foreign_stage: str
) -> list[tuple[str, dict[str, Any], str, str]]:
    """(document, variables, expected code, expected field)."""
    deal, contact = records["deal"]["id"], records["contact"]["id"]
    long_text = "x" * 256
    return [
        # Unknown IDs.
        (UPDATE_DEAL, {"id": MISSING_DEAL, "input": {"title": "x"}}, "NOT_FOUND", "id"),
        (
            CREATE_DEAL,
            {"input": {"title": "x", "companyId": global_id("Company", 999)}},
            "NOT_FOUND",
            "companyId",
        ),
        (MOVE, {"id": deal, "stage": global_id("DealStage", 999)}, "NOT_FOUND", "stageId"),
        (
            CREATE_DEAL,
            {"input": {"title": "x", "contactIds": [global_id("Contact", 999)]}},
            "NOT_FOUND",
            "contactIds",
        ),
        # An ID of another type.
        (
            CREATE_DEAL,
            {"input": {"title": "x", "companyId": contact}},
            "BAD_USER_INPUT",
            "companyId",
        ),
        (MOVE, {"id": contact, "stage": foreign_stage}, "BAD_USER_INPUT", "id"),
        (
            CREATE_DEAL,
            {"input": {"title": "x", "stageId": "not an id"}},
            "BAD_USER_INPUT",
            "stageId",
        ),
        (MOVE, {"id": global_id("Deal", 10**30), "stage": foreign_stage}, "BAD_USER_INPUT", "id"),
        (MOVE, {"id": global_id("Deal", -1), "stage": foreign_stage}, "BAD_USER_INPUT", "id"),
        # Invalid e-mail and phone.
        (
            CREATE_LEAD,
            {
                "input": {
                    "title": "x",
                    "communications": [
                        {"kind": "PHONE", "value": "+7 900 1234567"},
                        {"kind": "EMAIL", "value": "not-an-email"},
                    ],
                }
            },
            "BAD_USER_INPUT",
            "communications.1.value",
        ),
        (
            CREATE_CONTACT,
            {
                "input": {
                    "lastName": "x",
                    "communications": [{"kind": "PHONE", "value": "call me maybe"}],
                }
            },
            "BAD_USER_INPUT",
            "communications.0.value",
        ),
        (
            CREATE_CONTACT,
            {
                "input": {
                    "lastName": "x",
                    "communications": [{"kind": "EMAIL", "value": "a@b.co", "valueType": "SECRET"}],
                }
            },
            "BAD_USER_INPUT",
            "communications.0.valueType",
        ),
        # Money.
        (CREATE_DEAL, {"input": {"title": "x", "amount": "-5"}}, "BAD_USER_INPUT", "amount"),
        (CREATE_DEAL, {"input": {"title": "x", "amount": "1.005"}}, "BAD_USER_INPUT", "amount"),
        (CREATE_DEAL, {"input": {"title": "x", "amount": "ten"}}, "BAD_USER_INPUT", "amount"),
        (CREATE_DEAL, {"input": {"title": "x", "currency": "EURO"}}, "BAD_USER_INPUT", "currency"),
        (UPDATE_DEAL, {"id": deal, "input": {"amount": "-0.01"}}, "BAD_USER_INPUT", "amount"),
        # A stage of another pipeline.
        (
            CREATE_DEAL,
            {
                "input": {
                    "title": "x",
                    "stageId": foreign_stage,
                    "pipelineId": global_id("Pipeline", 1),
                }
            },
            "BAD_USER_INPUT",
            "stageId",
        ),
        (MOVE, {"id": deal, "stage": foreign_stage}, "BAD_USER_INPUT", "stageId"),
        # Converting a converted lead.
        (CONVERT, {"id": records["lead"]["id"], "input": {"createDeal": True}}, "CONFLICT", "id"),
        # Over-long strings, empty required ones, nulls where a value is required.
        (CREATE_DEAL, {"input": {"title": long_text}}, "BAD_USER_INPUT", "title"),
        (
            CREATE_LEAD,
            {"input": {"title": "x", "firstName": "y" * 101}},
            "BAD_USER_INPUT",
            "firstName",
        ),
        (
            CREATE_LEAD,
            {"input": {"title": "x", "utmSource": long_text}},
            "BAD_USER_INPUT",
            "utmSource",
        ),
        (CREATE_COMPANY, {"input": {"title": "  "}}, "BAD_USER_INPUT", "title"),
        (CREATE_COMPANY, {"input": {"title": "A\x00B"}}, "BAD_USER_INPUT", "title"),
        (
            UPDATE_LEAD,
            {"id": records["lead"]["id"], "input": {"title": None}},
            "BAD_USER_INPUT",
            "title",
        ),
        (
            UPDATE_DEAL,
            {"id": deal, "input": {"assignedToId": None}},
            "BAD_USER_INPUT",
            "assignedToId",
        ),
        # Filters and orders of the wrong type.
        (DEALS, {"f": {"amount": {"gt": "abc"}}}, "BAD_USER_INPUT", "filter.amount.gt"),
        (DEALS, {"f": {"title": {"eq": 5}}}, "BAD_USER_INPUT", "filter.title.eq"),
        (DEALS, {"f": {"title": {"contains": "\x00"}}}, "BAD_USER_INPUT", "filter.title.contains"),
        (DEALS, {"f": {"amount": {"gt": "1e400"}}}, "BAD_USER_INPUT", "filter.amount"),
        (DEALS, {"f": {"id": {"eq": global_id("Deal", 2**64)}}}, "BAD_USER_INPUT", "filter.id"),
        (DEALS, {"f": {"stageId": {"eq": deal}}}, "BAD_USER_INPUT", "filter.stageId"),
        (
            DEALS,
            {"f": {"createdAt": {"gt": "2026-01-01T10:00:00"}}},
            "BAD_USER_INPUT",
            "filter.createdAt",
        ),
        (DEALS, {"f": {"createdAt": {"gt": "yesterday"}}}, "BAD_USER_INPUT", "filter.createdAt.gt"),
        (
            DEALS,
            {"f": {"or": [{"id": {"in": [deal] * 101}}]}},
            "BAD_USER_INPUT",
            "filter.or.0.id.in",
        ),
        (DEALS, {"f": _nested(7)}, "BAD_USER_INPUT", "filter.not.not.not.not.not.not"),
        (DEALS, {"o": [{"field": "SIZE"}]}, "BAD_USER_INPUT", "orderBy.0.field"),
        (DEALS, {"o": [{"field": "TITLE"}, {"field": "TITLE"}]}, "BAD_USER_INPUT", "orderBy"),
        (LEADS, {"f": {"statusId": {"in": ["garbage"]}}}, "BAD_USER_INPUT", "filter.statusId"),
    ]


def _nested(depth: int) -> dict[str, Any]:
    return {"title": {"eq": "x"}} if depth == 0 else {"not": _nested(depth - 1)}


async def test_each_bad_input_names_its_field_and_writes_nothing(
    member: GraphQLClient, records: dict[str, Any], session_factory: SessionFactory
) -> None:
    foreign_stage = global_id("DealStage", await other_pipeline_stage(session_factory))
    before = await row_counts(session_factory)
    failures = []
    for document, variables, code, field in cases(records, foreign_stage):
        response = await member.request(document, variables)
        got = (response.codes, [e.get("extensions", {}).get("field") for e in response.errors])
        if got != ([code], [field]):
            failures.append((variables, got, response.errors))
    assert not failures, failures
    assert await row_counts(session_factory) == before


async def test_conversion_failing_halfway_writes_nothing(
    member: GraphQLClient, session_factory: SessionFactory
) -> None:
    lead = await create(member, CREATE_LEAD, title="Half", lastName="Way")
    before = await row_counts(session_factory)
    response = await member.request(
        CONVERT,
        {
            "id": lead["id"],
            "input": {
                "createContact": True,
                "createDeal": True,
                "pipelineId": global_id("Pipeline", 999),
            },
        },
    )
    assert (response.code, response.error_field) == ("NOT_FOUND", "pipelineId")
    assert await row_counts(session_factory) == before
