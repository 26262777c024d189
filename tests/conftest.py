"""Shared fixtures: a migrated database per backend (SQLite always, PostgreSQL when
SUBDESK_TEST_DATABASE_URL is set), a test clock, and the app on top of them."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from subdesk.app import build_runtime, create_app
from subdesk.catalog.demo import seed_catalog
from subdesk.clock import TestClock
from subdesk.config import Settings
from subdesk.context import Runtime, Work
from subdesk.db import Database
from subdesk.migrate import upgrade
from subdesk.models import Base
from tests.smtp import SmtpServer

PG_URL = os.environ.get("SUBDESK_TEST_DATABASE_URL")
BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])
# A fixed, test-only Ed25519 seed (base64url of 32 bytes).
TEST_SIGNING_SEED = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8"
START = datetime(2026, 1, 15, 10, 0, tzinfo=UTC)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests marked postgres_only skip without a PostgreSQL server, and on SQLite."""
    for item in items:
        if item.get_closest_marker("postgres_only") is None:
            continue
        callspec = getattr(item, "callspec", None)
        on_sqlite = callspec is not None and callspec.params.get("backend") == "sqlite"
        if PG_URL is None or on_sqlite:
            item.add_marker(pytest.mark.skip(reason="runs only against PostgreSQL"))


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "subdesk.db"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def postgres_migrated() -> str:
    assert PG_URL is not None
    engine = create_engine(PG_URL)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    upgrade(PG_URL)
    return PG_URL


@pytest.fixture
def database_url(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if backend == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        path = tmp_path / "subdesk.db"
        shutil.copyfile(template, path)
        return f"sqlite:///{path}"
    url: str = request.getfixturevalue("postgres_migrated")
    tables = ", ".join(t.name for t in Base.metadata.sorted_tables)
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} CASCADE"))
    engine.dispose()
    return url


@pytest.fixture
def database(database_url: str) -> Iterator[Database]:
    db = Database(database_url)
    yield db
    db.dispose()


@pytest.fixture
def clock() -> TestClock:
    return TestClock(START)


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def settings(database_url: str, smtp: SmtpServer) -> Settings:
    # Tokens outlive the months the test clock moves; the limiter has its own test.
    return Settings(
        database_url=database_url,
        signing_key=TEST_SIGNING_SEED,
        token_ttl_days=3650,
        sign_in_attempts_per_minute=1000,
        sign_ups_per_minute=1000,
        password_resets_per_minute=1000,
        device_requests_per_minute=1000,
        smtp_port=smtp.port,
        sandbox_ledger=None,
    )


@pytest.fixture
def runtime(settings: Settings, clock: TestClock) -> Runtime:
    return build_runtime(settings, clock=clock)


@pytest.fixture
def catalog(database: Database, runtime: Runtime) -> None:
    with database.transaction() as session:
        seed_catalog(Work(session, runtime))


@pytest.fixture
def app(runtime: Runtime, database: Database, catalog: None) -> FastAPI:
    return create_app(runtime=runtime, database=database)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def strict_client(
    settings: Settings, runtime: Runtime, database: Database, catalog: None
) -> Iterator[TestClient]:
    """A client of an app that allows three sign-in attempts a minute (the limiter's tests)."""
    strict = settings.model_copy(update={"sign_in_attempts_per_minute": 3})
    app = create_app(
        runtime=Runtime(strict, runtime.clock, runtime.gateway, runtime.signer), database=database
    )
    with TestClient(app) as test_client:
        yield test_client
