"""An import survives the death of its worker: a worker that stops mid-job without releasing
it (as a killed process would) leaves its lease to run out; another worker then takes the job
over from its cursor, and no record is made twice. A job taken over too often is FAILED."""

from __future__ import annotations

from sqlalchemy import select, update
from starlette.applications import Starlette

from models import ImportJob, SessionFactory
from resolvers.imports.worker import claim, release, run_job
from tests.client import GraphQLClient
from tests.imports.api import job, outcomes, started

ROWS = 10  # batches of 4 (tests/imports/conftest.py)
CONTACTS = "{ contacts(first: 50) { totalCount edges { node { lastName } } } }"


def _file(rows: int = ROWS) -> bytes:
    return ("lastName\n" + "".join(f"Person {index:02}\n" for index in range(rows))).encode()


async def test_a_job_whose_worker_died_is_resumed_from_its_cursor(
    app: Starlette, member: GraphQLClient, session_factory: SessionFactory
) -> None:
    services = app.state.services
    job_id = await started(member, "CONTACT", _file())
    pk = await claim(services, "worker-a")
    assert pk is not None
    await run_job(services, pk, "worker-a", max_batches=2)  # then "killed"
    halfway = await job(member, job_id)
    assert (halfway["status"], halfway["created"], halfway["processed"]) == ("RUNNING", 8, 8)
    # While its lease holds, no one else takes it.
    assert await claim(services, "worker-b") is None
    lease = services.imports.lease_seconds
    assert await claim(services, "worker-b", now_offset=lease + 1) == pk
    # The first worker, back from the dead, is fenced off: it writes nothing more.
    await run_job(services, pk, "worker-a")
    assert (await job(member, job_id))["processed"] == 8
    await run_job(services, pk, "worker-b")
    done = await job(member, job_id)
    assert (done["status"], done["created"], done["failed"]) == ("DONE", ROWS, 0)
    assert outcomes(done) == ["CREATED"] * ROWS
    names = [e["node"]["lastName"] for e in (await member.data(CONTACTS))["contacts"]["edges"]]
    assert sorted(names) == [f"Person {index:02}" for index in range(ROWS)]
    async with session_factory() as session:
        attempts = await session.scalar(select(ImportJob.attempts).where(ImportJob.id == pk))
    assert attempts == 2


async def test_a_job_abandoned_too_often_fails_saying_so(
    app: Starlette, member: GraphQLClient, session_factory: SessionFactory
) -> None:
    services = app.state.services
    job_id = await started(member, "CONTACT", _file(30))
    lease = services.imports.lease_seconds
    for attempt in range(services.imports.max_attempts):
        pk = await claim(services, f"worker-{attempt}", now_offset=attempt * (lease + 1))
        assert pk is not None
        await run_job(services, pk, f"worker-{attempt}", max_batches=1)
    last = services.imports.max_attempts * (lease + 1)
    assert await claim(services, "worker-x", now_offset=last) is None
    failed = await job(member, job_id)
    assert failed["status"] == "FAILED" and "given up" in failed["error"], failed
    # The rows done before are kept, each once.
    assert failed["created"] == 4 * services.imports.max_attempts
    total = (await member.data(CONTACTS))["contacts"]["totalCount"]
    assert total == failed["created"]
    async with session_factory() as session:
        await session.execute(update(ImportJob).values(status="DONE"))
        await session.commit()


async def test_a_dry_run_resumed_writes_nothing(app: Starlette, member: GraphQLClient) -> None:
    services = app.state.services
    job_id = await started(member, "CONTACT", _file(), dry_run=True)
    pk = await claim(services, "worker-a")
    assert pk is not None
    await run_job(services, pk, "worker-a", max_batches=1)
    assert await claim(services, "worker-b", now_offset=services.imports.lease_seconds + 1) == pk
    await run_job(services, pk, "worker-b")
    done = await job(member, job_id)
    assert (done["status"], done["created"], done["rows"]["totalCount"]) == ("DONE", ROWS, ROWS)
    assert (await member.data(CONTACTS))["contacts"]["totalCount"] == 0


async def test_a_worker_shutting_down_lets_its_job_go_at_once(
    app: Starlette, member: GraphQLClient
) -> None:
    services = app.state.services
    job_id = await started(member, "CONTACT", _file())
    pk = await claim(services, "worker-a")
    assert pk is not None
    await run_job(services, pk, "worker-a", max_batches=1)
    assert await claim(services, "worker-b") is None
    await release(services, "worker-a")
    assert await claim(services, "worker-b") == pk
    await run_job(services, pk, "worker-b")
    done = await job(member, job_id)
    assert (done["status"], done["created"]) == ("DONE", ROWS)
