"""Acceptance 2: sign up, add a card, subscribe with consent; refusals write nothing."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient

from subdesk.db import Database
from subdesk.models import AuditEvent, Consent, Invoice, Payment, PaymentAttempt, Subscription
from tests.api.helpers import count
from tests.factories import customer, plan_id, subscribe


def test_customer_subscribes_to_annual_plan_and_sees_renewal_date_and_price(
    client: TestClient, database: Database
) -> None:
    alice = customer(client)
    created = subscribe(client, alice, "av1-year-usd", disclosure_version=1)

    listed = client.get("/api/v1/subscriptions", headers=alice.headers).json()
    assert [s["id"] for s in listed] == [created["id"]]
    sub = client.get(f"/api/v1/subscriptions/{created['id']}", headers=alice.headers).json()
    assert sub["status"] == "active"
    assert sub["auto_renew"] is True
    assert sub["current_period_end"].startswith("2027-01-15T10:00:00")
    assert sub["next_charge"] == {
        "date": sub["current_period_end"],
        "amount": {"amount": 4999, "currency": "USD"},
    }
    assert sub["protected"] is True
    invoices = client.get("/api/v1/invoices", headers=alice.headers).json()
    assert [i["amount"] for i in invoices] == [{"amount": 2999, "currency": "USD"}]


def test_consent_record_keeps_disclosure_version_time_and_ip(
    client: TestClient, database: Database
) -> None:
    alice = customer(client)
    created = subscribe(client, alice, "av1-year-usd")
    with database.transaction() as session:
        consent = session.query(Consent).one()
        assert str(consent.subscription_id) == created["id"]
        assert consent.disclosure_version == 1
        assert consent.given_at == datetime(2026, 1, 15, 10, 0, tzinfo=UTC)
        assert consent.ip_address == "testclient"


def test_trial_plan_charges_nothing_until_the_trial_ends(client: TestClient) -> None:
    carol = customer(client)
    sub = subscribe(client, carol, "total5-month-usd")
    assert sub["status"] == "trialing"
    assert sub["trial_ends_at"].startswith("2026-02-14T10:00:00")
    assert sub["next_charge"]["amount"] == {"amount": 1499, "currency": "USD"}
    assert client.get("/api/v1/invoices", headers=carol.headers).json() == []


def _nothing_written(database: Database) -> None:
    for model in (Subscription, Consent, Payment, Invoice):
        with database.transaction() as session:
            assert session.query(model).count() == 0, model.__name__
    with database.transaction() as session:
        actions = {e.action for e in session.query(AuditEvent)}
    assert not {a for a in actions if a.startswith("subscription.") or a.startswith("payment.")}


def test_subscribing_without_consent_is_refused_and_writes_nothing(
    client: TestClient, database: Database
) -> None:
    alice = customer(client)
    body = {
        "plan_id": plan_id(client, "av1-year-usd"),
        "payment_method_id": alice.card_id,
        "auto_renew_consent": False,
    }
    response = client.post("/api/v1/subscriptions", json=body, headers=alice.headers)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "consent_required"
    assert response.json()["error"]["field"] == "auto_renew_consent"
    _nothing_written(database)


def test_missing_consent_field_is_a_validation_error(
    client: TestClient, database: Database
) -> None:
    alice = customer(client)
    body = {"plan_id": plan_id(client, "av1-year-usd"), "payment_method_id": alice.card_id}
    response = client.post("/api/v1/subscriptions", json=body, headers=alice.headers)
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "auto_renew_consent"
    _nothing_written(database)


@pytest.mark.parametrize(
    ("card", "decline_code", "status"),
    [
        ("4000000000000002", "generic_decline", 402),
        ("4000000000009995", "insufficient_funds", 402),
        ("4000000000000069", "expired_card", 402),
        ("4000000000000119", None, 503),
    ],
)
def test_declined_card_is_refused_and_writes_nothing(
    client: TestClient, database: Database, card: str, decline_code: str | None, status: int
) -> None:
    bob = customer(client, card=card)
    body = {
        "plan_id": plan_id(client, "av1-year-usd"),
        "payment_method_id": bob.card_id,
        "auto_renew_consent": True,
    }
    response = client.post("/api/v1/subscriptions", json=body, headers=bob.headers)
    assert response.status_code == status
    error = response.json()["error"]
    assert error["message"]
    if decline_code:
        assert error["decline_code"] == decline_code
    _nothing_written(database)


def test_unknown_plan_is_refused_and_writes_nothing(client: TestClient, database: Database) -> None:
    alice = customer(client)
    body = {
        "plan_id": "00000000-0000-4000-8000-000000000000",
        "payment_method_id": alice.card_id,
        "auto_renew_consent": True,
    }
    response = client.post("/api/v1/subscriptions", json=body, headers=alice.headers)
    assert response.status_code == 404
    assert response.json()["error"] == {
        "code": "unknown_plan",
        "message": "No such plan.",
        "field": "plan_id",
    }
    _nothing_written(database)


def test_outdated_disclosure_version_is_refused(client: TestClient, database: Database) -> None:
    alice = customer(client)
    body = {
        "plan_id": plan_id(client, "av1-year-usd"),
        "payment_method_id": alice.card_id,
        "auto_renew_consent": True,
        "disclosure_version": 0,
    }
    response = client.post("/api/v1/subscriptions", json=body, headers=alice.headers)
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "disclosure_outdated"
    _nothing_written(database)


def test_same_idempotency_key_subscribes_and_charges_once(
    client: TestClient, database: Database
) -> None:
    alice = customer(client)
    first = subscribe(client, alice, "av1-year-usd", key="buy-1")
    second = subscribe(client, alice, "av1-year-usd", key="buy-1")
    assert first == second
    with database.transaction() as session:
        assert session.query(Subscription).count() == 1
        assert session.query(Payment).count() == 1


def test_idempotency_key_reused_for_another_request_is_refused(client: TestClient) -> None:
    alice = customer(client)
    subscribe(client, alice, "av1-year-usd", key="buy-2")
    body = {
        "plan_id": plan_id(client, "suite3-year-usd"),
        "payment_method_id": alice.card_id,
        "auto_renew_consent": True,
    }
    headers = {**alice.headers, "Idempotency-Key": "buy-2"}
    response = client.post("/api/v1/subscriptions", json=body, headers=headers)
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "idempotency_key_reused"


def test_an_order_in_another_currency_than_its_plans_is_refused_and_nothing_is_written(
    client: TestClient, database: Database
) -> None:
    buyer = customer(client)
    body = {
        "plan_id": plan_id(client, "av1-year-usd"),
        "payment_method_id": buyer.card_id,
        "auto_renew_consent": True,
        "currency": "EUR",
    }
    refused = client.post("/api/v1/subscriptions", json=body, headers=buyer.headers)
    assert refused.status_code == 422
    assert refused.json()["error"]["code"] == "currency_mismatch"
    assert refused.json()["error"]["field"] == "currency"
    assert [count(database, model) for model in (Subscription, PaymentAttempt, Payment)] == [
        0,
        0,
        0,
    ]
    bought = client.post(
        "/api/v1/subscriptions", json=body | {"currency": "usd"}, headers=buyer.headers
    )
    assert bought.status_code == 201, bought.text
