"""The test clock through the API: only in the sandbox, only for the operator."""

from __future__ import annotations

import hashlib
from datetime import datetime

from fastapi.testclient import TestClient

from subdesk.app import build_runtime, create_app
from subdesk.config import Settings
from subdesk.db import Database
from subdesk.models import AuditEvent

KEY = "sdop_sandbox-operator"


def sandbox_app(settings: Settings, database: Database, *, sandbox: bool) -> TestClient:
    settings = settings.model_copy(
        update={
            "sandbox_clock": sandbox,
            "operator_key_sha256": hashlib.sha256(KEY.encode()).hexdigest(),
        }
    )
    return TestClient(
        create_app(runtime=build_runtime(settings, database=database), database=database)
    )


def test_operator_moves_the_sandbox_clock(settings: Settings, database: Database) -> None:
    with sandbox_app(settings, database, sandbox=True) as client:
        before = client.get("/api/v1/sandbox/clock").json()
        moved = client.post(
            "/api/v1/sandbox/clock/advance",
            json={"by": "30d"},
            headers={"Authorization": f"Bearer {KEY}"},
        )
        assert moved.status_code == 200, moved.text
        assert moved.json()["offset_seconds"] == before["offset_seconds"] + 30 * 86400
        gap = datetime.fromisoformat(moved.json()["now"]) - datetime.fromisoformat(before["now"])
        assert 29.9 < gap.total_seconds() / 86400 < 30.1
    with database.transaction() as session:
        (event,) = session.query(AuditEvent).filter(AuditEvent.action == "sandbox_clock.advanced")
        assert event.actor_type == "operator"
        assert event.after == {"offset_seconds": 30 * 86400}


def test_only_the_operator_moves_it(settings: Settings, database: Database) -> None:
    with sandbox_app(settings, database, sandbox=True) as client:
        response = client.post("/api/v1/sandbox/clock/advance", json={"by": "30d"})
        assert response.status_code == 401
        assert client.get("/api/v1/sandbox/clock").json()["offset_seconds"] == 0


def test_there_is_no_test_clock_outside_the_sandbox(settings: Settings, database: Database) -> None:
    with sandbox_app(settings, database, sandbox=False) as client:
        assert client.get("/api/v1/sandbox/clock").status_code == 404
        headers = {"Authorization": f"Bearer {KEY}"}
        response = client.post("/api/v1/sandbox/clock/advance", json={"by": "1d"}, headers=headers)
        assert response.status_code == 404
