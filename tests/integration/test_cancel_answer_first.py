"""Issue 13, cancellations under load: a customer who cancels is answered before the refund
reaches the processor (it is written as pending first, and made right after the answer), and
a cancellation reads each row it needs once."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import anyio
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import event, select

from subdesk.app import create_app
from subdesk.clock import TestClock
from subdesk.context import Runtime
from subdesk.db import Database
from subdesk.models import Refund
from tests.factories import Customer, customer, subscribe
from tests.integration.test_payment_attempts import watched


def post_asgi(
    app: FastAPI, path: str, body: dict[str, Any], who: Customer, happened: list[str]
) -> None:
    """POST through the whole ASGI stack, noting in `happened` the response's status and
    "answered" when its last byte was sent."""
    raw = json.dumps(body).encode()
    headers = [(k.lower().encode(), v.encode()) for k, v in who.headers.items()]
    headers += [(b"content-type", b"application/json"), (b"host", b"testserver")]
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST",
        "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": b"",
        "headers": headers, "client": ("127.0.0.1", 50000), "server": ("testserver", 80),
        "root_path": "",
    }  # fmt: skip
    sent = False

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": raw, "more_body": False}
        await anyio.sleep_forever()
        raise AssertionError  # pragma: no cover

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            happened.append(f"status {message['status']}")
        if message["type"] == "http.response.body" and not message.get("more_body"):
            happened.append("answered")

    anyio.run(app, scope, receive, send)


def test_a_cancellation_is_answered_before_its_refund_reaches_the_processor(
    client: TestClient, database: Database, runtime: Runtime
) -> None:
    buyer = customer(client)
    sub = subscribe(client, buyer, "av1-year-usd")  # in the money-back window: "now" refunds
    worker_runtime, gateway = watched(runtime)
    happened: list[str] = []
    gateway.before = happened.append
    app = create_app(runtime=worker_runtime, database=database)

    path = f"/api/v1/subscriptions/{sub['id']}/cancel"
    post_asgi(app, path, {"when": "now"}, buyer, happened)

    assert happened == ["status 200", "answered", "refund"]
    with database.reading() as session:
        refund = session.scalars(select(Refund)).one()
        assert (refund.status, refund.amount_minor) == ("succeeded", 2999)


def test_a_cancellation_whose_refund_cannot_be_sent_is_answered_and_left_pending(
    client: TestClient, database: Database, runtime: Runtime
) -> None:
    buyer = customer(client)
    sub = subscribe(client, buyer, "av1-year-usd")
    worker_runtime, gateway = watched(runtime)

    def broken(_what: str) -> None:
        raise RuntimeError("the processor's client crashed")

    gateway.before = broken
    app = create_app(runtime=worker_runtime, database=database)
    happened: list[str] = []
    post_asgi(app, f"/api/v1/subscriptions/{sub['id']}/cancel", {"when": "now"}, buyer, happened)

    assert happened == ["status 200", "answered"]
    with database.reading() as session:  # the worker finishes what is pending
        assert session.scalars(select(Refund.status)).one() == "pending"


@contextmanager
def statements(database: Database) -> Iterator[list[str]]:
    seen: list[str] = []

    def note(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(" ".join(statement.split()))

    def committed(_conn: Any) -> None:
        seen.append("COMMIT")

    event.listen(database.engine, "before_cursor_execute", note)
    event.listen(database.engine, "commit", committed)
    try:
        yield seen
    finally:
        event.remove(database.engine, "before_cursor_execute", note)
        event.remove(database.engine, "commit", committed)


def test_a_cancellation_reads_each_row_it_needs_once(
    client: TestClient, database: Database, clock: TestClock
) -> None:
    buyer = customer(client)
    sub = subscribe(client, buyer, "av1-year-usd")
    clock.advance(timedelta(days=61))  # past the money-back window: nothing to refund
    with statements(database) as seen:
        response = client.post(
            f"/api/v1/subscriptions/{sub['id']}/cancel", json={"when": "now"}, headers=buyer.headers
        )
    assert response.status_code == 200, response.text
    request = seen[: seen.index("COMMIT")]
    reads = [s for s in request if s.startswith("SELECT")]
    tables = [s.split(" FROM ", 1)[1].split()[0] for s in reads]
    # The bearer's token with its account, the subscription (locked), its confirmed
    # cancellation, its plan with product and services, the period's payments, the webhook
    # endpoints, and its add-ons: seven reads, no table read twice for the same row.
    assert len(reads) <= 7, tables
    assert tables.count("subscriptions") <= 2, tables  # itself, then its add-ons
    assert tables.count("cancellations") <= 1, tables
    assert tables.count("plans") <= 1, tables
    assert "products" not in tables, tables  # read with its plan
