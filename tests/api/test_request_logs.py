"""Structured logs: one JSON object a line, each request's id (taken from X-Request-ID when
sane, returned, carried into the email it queues), its actor, and never a secret."""

from __future__ import annotations

import logging

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from subdesk.context import Runtime
from subdesk.db import Database
from subdesk.models import OutboxEmail
from subdesk.notifications.smtp import SmtpSender, deliver_pending
from subdesk.operations.logging import accepted_request_id
from subdesk.worker.loop import one_pass
from tests.api.logcapture import json_logs
from tests.factories import PASSWORD, customer, subscribe
from tests.smtp import SmtpServer

CARD = "4242424242424242"
OPERATOR_KEY = "sdop_Zm9vYmFyYmF6cXV4cXV1eGNvcmdlZ3JhdWx0Z2FycGx5"
RESET_TOKEN = "Q2hhbmdlLW1lLW5vdy1wbGVhc2UtdGhpcy1pcy1hLXJlc2V0"
API_KEY = "sk_live_51HxYzAbCdEfGhIjKlMnOpQrStUv"


def test_the_callers_request_id_comes_back() -> None:
    assert accepted_request_id("req-42.a:b_c") == "req-42.a:b_c"


@pytest.mark.parametrize("given", ["", "x" * 65, "a b", "evil\r\nSet-Cookie: x", "é"])
def test_an_unsafe_request_id_is_replaced(given: str) -> None:
    made = accepted_request_id(given)
    assert made != given
    assert len(made) == 16


def test_the_request_id_round_trips(client: TestClient) -> None:
    answered = client.get("/api/v1/plans", headers={"X-Request-ID": "trace-7f3a"})
    assert answered.headers["X-Request-ID"] == "trace-7f3a"
    generated = client.get("/api/v1/plans", headers={"X-Request-ID": "no spaces allowed"})
    assert generated.headers["X-Request-ID"] not in ("", "no spaces allowed")
    assert client.get("/api/v1/plans").headers["X-Request-ID"]


def test_each_request_logs_one_json_line_with_its_id_route_and_actor(client: TestClient) -> None:
    alice = customer(client)
    with json_logs() as captured:
        response = client.get(
            "/api/v1/subscriptions", headers={**alice.headers, "X-Request-ID": "list-1"}
        )
    assert response.status_code == 200
    (line,) = [line for line in captured.lines() if line["logger"] == "subdesk.requests"]
    assert line["request_id"] == "list-1"
    assert line["actor"].startswith("customer:")
    assert line["status"] == 200
    assert line["message"] == "GET /api/v1/subscriptions 200"
    assert line["duration_ms"] >= 0


def test_the_request_id_goes_with_the_email_it_queues_and_into_its_send_log(
    client: TestClient, database: Database, runtime: Runtime
) -> None:
    alice = customer(client)
    subscribe(client, alice, "av1-year-usd", key="k-1")  # queues a receipt
    headers = {**alice.headers, "X-Request-ID": "buy-2", "Idempotency-Key": "k-2"}
    body = {"plan_id": _plan(client, "av1-year-eur"), "payment_method_id": alice.card_id,
            "auto_renew_consent": True, "confirm_second_purchase": True}  # fmt: skip
    assert client.post("/api/v1/subscriptions", json=body, headers=headers).status_code == 201
    with database.reading() as session:
        ids = set(session.scalars(select(OutboxEmail.request_id)))
    assert "buy-2" in ids
    with json_logs() as captured:
        deliver_pending(database, SmtpSender(runtime.settings), runtime.clock.now())
    sent = [line for line in captured.lines() if line["message"] == "email sent"]
    assert "buy-2" in {line.get("request_id") for line in sent}


def _plan(client: TestClient, code: str) -> str:
    return next(p["id"] for p in client.get("/api/v1/plans").json() if p["code"] == code)


def test_no_secret_reaches_any_log_line(
    app: FastAPI, database: Database, runtime: Runtime, smtp: SmtpServer
) -> None:
    """A password, a bearer token, a card number, an API key and a reset token, through the
    request log, the error log (with a traceback) and the worker's log."""

    def boom() -> None:
        raise RuntimeError(
            f"password={PASSWORD} Authorization: Bearer {OPERATOR_KEY} card {CARD} "
            f"stripe {API_KEY} /reset-password?token={RESET_TOKEN}"
        )

    app.add_api_route("/api/v1/_boom", boom)
    with json_logs(logging.DEBUG) as captured, TestClient(app, raise_server_exceptions=False) as c:
        alice = customer(c, card=CARD)
        token = alice.headers["Authorization"].removeprefix("Bearer ")
        c.post("/api/v1/auth/token", json={"email": alice.email, "password": PASSWORD})
        c.get(f"/reset-password?token={RESET_TOKEN}")
        c.get("/metrics", headers={"Authorization": f"Bearer {OPERATOR_KEY}"})
        assert c.get("/api/v1/_boom", headers=alice.headers).status_code == 500
        subscribe(c, alice, "av1-year-usd")
        one_pass(database, runtime, SmtpSender(runtime.settings))
        worker = logging.getLogger("subdesk.worker")
        worker.warning(
            "charge for card %s failed", CARD,
            extra={"password": PASSWORD, "detail": f"api_key={API_KEY} bearer {token}"},
        )  # fmt: skip
        try:
            raise ValueError(f"reset token={RESET_TOKEN} card_number: {CARD}")
        except ValueError:
            worker.exception("worker step failed")
    lines = captured.lines()
    loggers = {line["logger"] for line in lines}
    assert {"subdesk.requests", "subdesk", "subdesk.worker", "subdesk.email"} <= loggers
    assert any("exception" in line for line in lines if line["logger"] == "subdesk")
    for secret in (PASSWORD, token, CARD, OPERATOR_KEY, API_KEY, RESET_TOKEN, "4242 4242"):
        assert secret not in captured.text, secret
