"""Health: /healthz (up), /readyz (database reachable, migrations at head), and a database
outage answered 503 with the error body and Retry-After on every endpoint, never 500."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from subdesk.app import create_app
from subdesk.config import Settings
from subdesk.context import Runtime
from subdesk.db import Database
from subdesk.operations.health import migration_heads
from subdesk.runtime import build_runtime
from tests.conftest import TEST_SIGNING_SEED


def test_healthz_says_the_process_is_up(client: TestClient) -> None:
    assert client.get("/healthz").json()["status"] == "ok"


def test_readyz_is_ready_at_the_migrations_head(client: TestClient) -> None:
    answer = client.get("/readyz")
    assert answer.status_code == 200
    assert answer.json()["status"] == "ready"
    assert {answer.json()["revision"]} == migration_heads()


def test_readyz_is_not_ready_while_migrations_are_pending(
    client: TestClient, database: Database
) -> None:
    (head,) = migration_heads()
    with database.transaction() as session:
        session.execute(text("UPDATE alembic_version SET version_num = '0001'"))
    try:
        answer = client.get("/readyz")
    finally:  # the PostgreSQL test database is shared by the tests that follow
        with database.transaction() as session:
            session.execute(text("UPDATE alembic_version SET version_num = :head"), {"head": head})
    assert answer.status_code == 503
    assert answer.json()["error"]["code"] == "migrations_pending"
    assert int(answer.headers["Retry-After"]) > 0


def _unreachable_urls(tmp_path: Path) -> list[str]:
    return [
        f"sqlite:///{tmp_path}",  # a directory: SQLite cannot open it
        "postgresql+psycopg://postgres@127.0.0.1:1/gone?connect_timeout=2",  # refused
    ]


@pytest.fixture(params=["sqlite", "postgresql"])
def away(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[TestClient]:
    """A client of an app whose database cannot be reached."""
    url = _unreachable_urls(tmp_path)[0 if request.param == "sqlite" else 1]
    settings = Settings(database_url=url, signing_key=TEST_SIGNING_SEED, sandbox_ledger=None)
    runtime: Runtime = build_runtime(settings)
    database = Database(url)
    with TestClient(create_app(runtime=runtime, database=database)) as client:
        yield client
    database.dispose()


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/v1/plans"),
        ("POST", "/api/v1/auth/token"),
        ("POST", "/api/v1/licenses/check-in"),  # the fast path, ahead of the app's handlers
        ("GET", "/readyz"),
    ],
)
def test_a_database_outage_answers_503_with_the_error_body(
    away: TestClient, method: str, path: str
) -> None:
    body = {"email": "a@example.com", "password": "correct horse battery"}
    answer = away.request(
        method, path, json=body if method == "POST" else None,
        headers={"Authorization": "Bearer sdd_whatever"},
    )  # fmt: skip
    assert answer.status_code == 503, answer.text
    error = answer.json()["error"]
    assert error["code"] == "database_unavailable"
    assert set(error) == {"code", "message", "field"}
    assert int(answer.headers["Retry-After"]) > 0


def test_healthz_answers_during_an_outage(away: TestClient) -> None:
    assert away.get("/healthz").status_code == 200
