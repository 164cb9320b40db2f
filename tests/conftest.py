"""Fixtures: one migrated scratch database per run, emptied after every test."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.applications import Starlette

from crmhub.app import create_app
from crmhub.migrate import upgrade
from crmhub.settings import Settings
from models import SessionFactory
from tests.client import GraphQLClient
from tests.collaboration.factories import Company, Users, seed_larger_company
from tests.database import empty_all_tables, engine_for, scratch_database
from tests.factories import Seed, seed_company

TEST_SECRET = "test-secret-" + "x" * 32
# Reads the suite had answered both ways, compiled and by the resolvers (the `app` fixture).
compared_reads = 0


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    terminalreporter.write_line(f"compiled reads compared with the resolvers: {compared_reads}")


@pytest.fixture(scope="session")
async def database_url(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[str]:
    configured = os.environ.get("CRMHUB_TEST_DATABASE_URL")
    async with scratch_database(configured, tmp_path_factory.mktemp("db")) as url:
        engine = engine_for(url)
        try:
            await upgrade(engine)
        finally:
            await engine.dispose()
        yield url


@pytest.fixture(scope="session")
def broadcast_url() -> str:
    return os.environ.get("CRMHUB_TEST_BROADCAST_URL", "memory://")


@pytest.fixture
def settings(database_url: str, broadcast_url: str) -> Settings:
    return Settings(
        database_url=database_url,
        broadcast_url=broadcast_url,
        secret=TEST_SECRET,
        # Tests run the webhook sender themselves (app.state.webhooks.run_once()), so that
        # nothing in the background sends while a test looks; one test runs the loop.
        webhook_worker_enabled=False,
        # Likewise the automation rules (resolvers.automation.runner.run_pending): a loop left
        # behind by a test whose shutdown outlasted its stop timeout would otherwise run the
        # next tests' rules under their feet.
        automation_enabled=False,
        # Tests announce overdue tasks themselves (resolvers/tasks/overdue.py), when they mean to.
        task_overdue_check_seconds=0,
        # And run import jobs themselves (tests/imports): a worker polling in the background
        # would add its statements to the counts other tests take.
        import_worker_enabled=False,
        # Every read the compiler can answer is answered by the resolvers and compiled too;
        # the `app` fixture fails the test when the two answers differ.
        compiled_reads="verify",
        _env_file=None,  # type: ignore[call-arg]
    )


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = engine_for(database_url)
    try:
        yield engine
    finally:
        await empty_all_tables(engine)
        await engine.dispose()


@pytest.fixture
def session_factory(engine: AsyncEngine) -> SessionFactory:
    from crmhub.database import create_session_factory

    return create_session_factory(engine)


@pytest.fixture
async def app(settings: Settings, engine: AsyncEngine) -> AsyncIterator[Starlette]:
    # Depends on `engine` so that tables are emptied after the app has shut down.
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        yield app
    global compared_reads
    reads = app.state.services.compiled_reads
    compared_reads += reads.compared
    assert not reads.mismatches, "compiled reads differ from the resolvers:\n" + "\n".join(
        reads.mismatches
    )


@pytest.fixture
async def client(app: Starlette) -> AsyncIterator[GraphQLClient]:
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://crmhub.test") as http:
        yield GraphQLClient(http)


@pytest.fixture
async def seed(session_factory: SessionFactory) -> Seed:
    return await seed_company(session_factory)


@pytest.fixture
async def admin(client: GraphQLClient, seed: Seed) -> GraphQLClient:
    return await logged_in(client, seed.admin.email)


@pytest.fixture
async def member(client: GraphQLClient, seed: Seed) -> GraphQLClient:
    """An ordinary user (no admin right) in a sub-department."""
    return await logged_in(client, seed.member.email)


async def logged_in(client: GraphQLClient, email: str) -> GraphQLClient:
    user = client.as_user(await client.login(email))
    # The first operation compiles and caches the viewer's policy: do it here, so that
    # statement counts in tests measure steady state, not the one-off compilation.
    await user.data("{ viewer { id } }")
    return user


@pytest.fixture
async def company(session_factory: SessionFactory, seed: Seed) -> Company:
    return await seed_larger_company(session_factory, seed)


@pytest.fixture
def users(client: GraphQLClient, session_factory: SessionFactory, settings: Settings) -> Users:
    return Users(client, session_factory, settings)
