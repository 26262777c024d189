"""Signed webhooks: a receiver verifies them with standardwebhooks; failures are retried."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from subdesk.app import create_app
from subdesk.clock import TestClock
from subdesk.context import Runtime
from subdesk.db import Database
from subdesk.notifications.webhooks import deliver_due
from tests.api.helpers import run_days
from tests.factories import customer, subscribe
from tests.webhook_receiver import Receiver

OPERATOR_KEY = "sdop_test-operator-key"
OPERATOR = {"Authorization": f"Bearer {OPERATOR_KEY}"}


@pytest.fixture
def ops_client(runtime: Runtime, database: Database, catalog: None) -> Iterator[TestClient]:
    digest = hashlib.sha256(OPERATOR_KEY.encode()).hexdigest()
    settings = runtime.settings.model_copy(update={"operator_key_sha256": digest})
    app: FastAPI = create_app(
        runtime=Runtime(settings, runtime.clock, runtime.gateway, runtime.signer), database=database
    )
    with TestClient(app) as client:
        yield client


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver() as running:
        yield running


def register(client: TestClient, receiver: Receiver, events: list[str]) -> None:
    response = client.post(
        "/api/v1/admin/webhooks/endpoints",
        json={"url": receiver.url, "event_types": events},
        headers=OPERATOR,
    )
    assert response.status_code == 201, response.text
    receiver.secret = response.json()["secret"]


def test_receiver_gets_signed_events_it_can_verify(
    ops_client: TestClient,
    receiver: Receiver,
    clock: TestClock,
    database: Database,
    runtime: Runtime,
) -> None:
    register(ops_client, receiver, ["*"])
    alice = customer(ops_client)
    sub = subscribe(ops_client, alice, "av1-month-usd")
    run_days(clock, database, runtime, 31)
    ops_client.post(
        f"/api/v1/subscriptions/{sub['id']}/cancel", json={"when": "now"}, headers=alice.headers
    )
    deliver_due(database, clock.now())
    types = [event["type"] for event in receiver.received.verified]
    assert types == ["subscription.created", "subscription.renewed", "subscription.canceled"]
    assert receiver.received.rejected == 0
    renewed = receiver.received.verified[1]["data"]
    assert renewed["subscription_id"] == sub["id"]
    assert renewed["amount"] == 499
    assert "email" not in str(receiver.received.verified)


def test_endpoint_gets_only_the_events_it_subscribed_to(
    ops_client: TestClient, receiver: Receiver, clock: TestClock, database: Database
) -> None:
    register(ops_client, receiver, ["refund.created"])
    alice = customer(ops_client)
    sub = subscribe(ops_client, alice, "av1-year-usd")
    ops_client.post(
        f"/api/v1/subscriptions/{sub['id']}/cancel", json={"when": "now"}, headers=alice.headers
    )
    deliver_due(database, clock.now())
    assert [e["type"] for e in receiver.received.verified] == ["refund.created"]
    assert receiver.received.verified[0]["data"]["amount"] == 2999


def test_failing_receiver_gets_retries_with_backoff(
    ops_client: TestClient, receiver: Receiver, clock: TestClock, database: Database
) -> None:
    register(ops_client, receiver, ["subscription.created"])
    receiver.received.failures_left = 2
    subscribe(ops_client, customer(ops_client), "av1-year-usd")
    assert deliver_due(database, clock.now()) == 0
    assert deliver_due(database, clock.now()) == 0  # not due again yet
    clock.advance(timedelta(seconds=5))
    assert deliver_due(database, clock.now()) == 0  # second failure
    clock.advance(timedelta(minutes=5))
    assert deliver_due(database, clock.now()) == 1
    (delivery,) = ops_client.get("/api/v1/admin/webhooks/deliveries", headers=OPERATOR).json()
    assert (delivery["status"], delivery["attempts"]) == ("delivered", 3)


def test_delivery_can_be_redelivered_through_the_api(
    ops_client: TestClient, receiver: Receiver, clock: TestClock, database: Database
) -> None:
    register(ops_client, receiver, ["subscription.created"])
    subscribe(ops_client, customer(ops_client), "av1-year-usd")
    deliver_due(database, clock.now())
    (delivery,) = ops_client.get("/api/v1/admin/webhooks/deliveries", headers=OPERATOR).json()
    again = ops_client.post(
        f"/api/v1/admin/webhooks/deliveries/{delivery['id']}/redeliver", headers=OPERATOR
    )
    assert again.json()["status"] == "pending"
    deliver_due(database, clock.now())
    assert len(receiver.received.verified) == 2
    assert receiver.received.verified[0] == receiver.received.verified[1]


def test_admin_endpoints_need_the_operator_key(ops_client: TestClient) -> None:
    alice = customer(ops_client)
    for headers in ({}, alice.headers, {"Authorization": "Bearer wrong"}):
        response = ops_client.get("/api/v1/admin/webhooks/deliveries", headers=headers)
        assert response.status_code == 401


def test_endpoint_and_redelivery_are_audited_without_the_secret(
    ops_client: TestClient, receiver: Receiver, clock: TestClock, database: Database
) -> None:
    from subdesk.models import AuditEvent

    register(ops_client, receiver, ["subscription.created"])
    subscribe(ops_client, customer(ops_client), "av1-year-usd")
    deliver_due(database, clock.now())
    (delivery,) = ops_client.get("/api/v1/admin/webhooks/deliveries", headers=OPERATOR).json()
    ops_client.post(
        f"/api/v1/admin/webhooks/deliveries/{delivery['id']}/redeliver", headers=OPERATOR
    )
    with database.transaction() as session:
        events = [e for e in session.query(AuditEvent) if e.action.startswith("webhook_")]
    assert [(e.action, e.actor_type) for e in events] == [
        ("webhook_endpoint.added", "operator"),
        ("webhook_delivery.redelivered", "operator"),
    ]
    assert receiver.secret is not None
    assert receiver.secret not in str([(e.before, e.after) for e in events])
