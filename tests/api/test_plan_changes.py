"""Plan changes: an upgrade now with a prorated charge, a downgrade at the end of the term."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient

from subdesk.clock import TestClock
from subdesk.context import Runtime
from subdesk.db import Database
from tests.api.helpers import renew_now
from tests.factories import Customer, customer, plan_id, subscribe


def change(
    client: TestClient, who: Customer, sub_id: str, code: str, key: str | None = None
) -> object:
    headers = {**who.headers, **({"Idempotency-Key": key} if key else {})}
    return client.put(
        f"/api/v1/subscriptions/{sub_id}/plan",
        json={"plan_id": plan_id(client, code)},
        headers=headers,
    )


def test_upgrade_takes_effect_now_with_a_prorated_charge(
    client: TestClient, clock: TestClock
) -> None:
    alice = customer(client)
    sub = subscribe(client, alice, "av1-year-usd")
    clock.advance(timedelta(days=365 // 2))
    response = change(client, alice, sub["id"], "suite3-year-usd")
    assert response.status_code == 200, response.text  # type: ignore[attr-defined]
    body = response.json()  # type: ignore[attr-defined]
    assert body["change"] == "upgrade_now"
    assert body["subscription"]["plan"]["code"] == "suite3-year-usd"
    invoices = client.get("/api/v1/invoices", headers=alice.headers).json()
    proration = invoices[0]["amount"]["amount"]
    # 183 of 365 days remain of the 40.00 renewal-price difference, rounded down.
    assert proration == (8999 - 4999) * 183 // 365


def test_repeating_an_upgrade_with_the_same_key_charges_once(client: TestClient) -> None:
    alice = customer(client)
    sub = subscribe(client, alice, "av1-year-usd")
    first = change(client, alice, sub["id"], "suite3-year-usd", key="up-1")
    second = change(client, alice, sub["id"], "suite3-year-usd", key="up-1")
    assert first.json() == second.json()  # type: ignore[attr-defined]
    assert len(client.get("/api/v1/invoices", headers=alice.headers).json()) == 2


def test_downgrade_waits_for_the_end_of_the_term(
    client: TestClient, clock: TestClock, database: Database, runtime: Runtime
) -> None:
    alice = customer(client)
    sub = subscribe(client, alice, "suite3-year-usd")
    response = change(client, alice, sub["id"], "av1-year-usd")
    body = response.json()  # type: ignore[attr-defined]
    assert body["change"] == "at_period_end"
    assert body["subscription"]["plan"]["code"] == "suite3-year-usd"
    assert body["subscription"]["pending_plan"]["code"] == "av1-year-usd"
    assert body["subscription"]["next_charge"]["amount"] == {"amount": 4999, "currency": "USD"}
    clock.advance(timedelta(days=366))
    assert renew_now(database, runtime, sub["id"]).renewed
    after = client.get(f"/api/v1/subscriptions/{sub['id']}", headers=alice.headers).json()
    assert after["plan"]["code"] == "av1-year-usd"
    assert after["pending_plan"] is None


def test_changing_to_the_same_plan_is_refused(client: TestClient) -> None:
    alice = customer(client)
    sub = subscribe(client, alice, "av1-year-usd")
    response = change(client, alice, sub["id"], "av1-year-usd")
    assert response.status_code == 409  # type: ignore[attr-defined]
    assert response.json()["error"]["code"] == "same_plan"  # type: ignore[attr-defined]


def test_canceled_subscription_cannot_change_plan(client: TestClient) -> None:
    alice = customer(client)
    sub = subscribe(client, alice, "av1-year-usd")
    client.post(
        f"/api/v1/subscriptions/{sub['id']}/cancel", json={"when": "now"}, headers=alice.headers
    )
    response = change(client, alice, sub["id"], "suite3-year-usd")
    assert response.status_code == 409  # type: ignore[attr-defined]
