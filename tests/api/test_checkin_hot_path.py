"""The check-in hot path: reads only, writes last_seen_at at most once per resolution,
and is still described by the OpenAPI document."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import event

from subdesk.clock import TestClock
from subdesk.db import Database
from subdesk.licensing.fast_route import CheckInFastPath
from subdesk.licensing.schemas import CheckInOut
from tests.api.test_licenses import activate, check_in
from tests.factories import customer, subscribe


@contextmanager
def sql_seen(database: Database) -> Iterator[dict[str, list[str]]]:
    """The statements sent and the commits made on both of the database's engines."""
    seen: dict[str, list[str]] = {"statements": [], "commits": []}

    def statement(_conn: Any, _cursor: Any, sql: str, *_args: Any) -> None:
        seen["statements"].append(" ".join(sql.split()).upper())

    def commit(_conn: Any) -> None:
        seen["commits"].append("COMMIT")

    engines = {database.engine, database.read_engine}
    for engine in engines:
        event.listen(engine, "before_cursor_execute", statement)
        event.listen(engine, "commit", commit)
    try:
        yield seen
    finally:
        for engine in engines:
            event.remove(engine, "before_cursor_execute", statement)
            event.remove(engine, "commit", commit)


def test_check_ins_within_an_hour_write_last_seen_once(
    client: TestClient, clock: TestClock, database: Database
) -> None:
    anna = customer(client)
    sub = subscribe(client, anna, "av1-year-usd")
    token = activate(client, anna, sub["id"], "fp-busy").json()["device_token"]
    clock.advance(timedelta(hours=2))
    with sql_seen(database) as seen:
        for _ in range(6):
            assert check_in(client, token)["code"] == "ACTIVE"
            clock.advance(timedelta(minutes=5))
    updates = [s for s in seen["statements"] if s.startswith("UPDATE DEVICES")]
    assert len(updates) == 1
    assert len(seen["commits"]) == 1  # the other five rolled back a read-only transaction
    assert sum(s == "BEGIN IMMEDIATE" for s in seen["statements"]) <= 1  # SQLite's write lock
    (device,) = client.get("/api/v1/devices", headers=anna.headers).json()
    assert device["last_seen_at"] == "2026-01-15T12:00:00Z"


def test_a_check_in_after_the_resolution_writes_last_seen_again(
    client: TestClient, clock: TestClock, database: Database
) -> None:
    anna = customer(client)
    sub = subscribe(client, anna, "av1-year-usd")
    token = activate(client, anna, sub["id"], "fp-daily").json()["device_token"]
    for _ in range(3):
        clock.advance(timedelta(hours=1))
        check_in(client, token)
    (device,) = client.get("/api/v1/devices", headers=anna.headers).json()
    assert device["last_seen_at"] == "2026-01-15T13:00:00Z"


def test_removed_and_unknown_devices_check_in_without_writing(
    client: TestClient, clock: TestClock, database: Database
) -> None:
    anna = customer(client)
    sub = subscribe(client, anna, "av1-year-usd")
    token = activate(client, anna, sub["id"], "fp-gone").json()["device_token"]
    (device,) = client.get("/api/v1/devices", headers=anna.headers).json()
    client.delete(f"/api/v1/devices/{device['id']}", headers=anna.headers)
    clock.advance(timedelta(days=2))
    with sql_seen(database) as seen:
        assert check_in(client, token)["code"] == "DEVICE_REMOVED"
        assert check_in(client, "sdd_unknown")["code"] == "NOT_FOUND"
    assert seen["commits"] == []


def test_the_openapi_document_still_describes_the_check_in(client: TestClient) -> None:
    operation = client.get("/openapi.json").json()["paths"]["/api/v1/licenses/check-in"]["post"]
    schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert schema["$ref"].endswith("/CheckInOut")
    assert operation["security"] == [{"HTTPBearer": []}]
    assert {"400", "429"} <= set(operation["responses"])


def test_a_check_in_with_another_method_is_refused_as_elsewhere(client: TestClient) -> None:
    response = client.get("/api/v1/licenses/check-in")
    assert response.status_code == 405
    assert response.json()["error"]["code"] == "method_not_allowed"


def test_a_check_in_without_a_bearer_token_is_not_found(client: TestClient) -> None:
    answer = client.post("/api/v1/licenses/check-in", headers={"Authorization": "Basic eDp5"})
    assert answer.json()["code"] == "NOT_FOUND"


def test_the_documented_route_answers_like_the_fast_path(app: FastAPI, client: TestClient) -> None:
    anna = customer(client)
    sub = subscribe(client, anna, "av1-year-usd")
    token = activate(client, anna, sub["id"], "fp-both").json()["device_token"]
    fast = check_in(client, token)
    app.user_middleware = [m for m in app.user_middleware if m.cls is not CheckInFastPath]
    app.middleware_stack = None  # rebuilt without the fast path on the next request
    assert check_in(client, token) == fast


def test_the_fast_path_writes_the_bytes_the_documented_model_would(client: TestClient) -> None:
    anna = customer(client)
    sub = subscribe(client, anna, "av1-year-usd")
    token = activate(client, anna, sub["id"], "fp-bytes").json()["device_token"]
    for given in (token, "sdd_unknown"):  # protected until a day, and no day at all
        raw = client.post(
            "/api/v1/licenses/check-in", headers={"Authorization": f"Bearer {given}"}
        ).content
        assert raw == CheckInOut.model_validate_json(raw).model_dump_json().encode()
