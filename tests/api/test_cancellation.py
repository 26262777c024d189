"""Acceptance 3, 4 and 6: refunds on cancel, period-end cancellation, signed receipts."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from subdesk.app import create_app
from subdesk.clock import TestClock
from subdesk.context import Runtime
from subdesk.db import Database
from subdesk.models import Payment, Refund
from tests.api.helpers import count, renew_now
from tests.factories import Customer, customer, set_auto_renew, subscribe


def cancel(client: TestClient, who: Customer, sub_id: str, when: str, **headers: str) -> Any:
    response = client.post(
        f"/api/v1/subscriptions/{sub_id}/cancel",
        json={"when": when, "reason": "too expensive"},
        headers={**who.headers, **headers},
    )
    assert response.status_code == 200, response.text
    return response.json()


def test_cancel_now_on_day_59_of_annual_charge_refunds_in_full(
    client: TestClient, clock: TestClock, database: Database
) -> None:
    alice = customer(client)
    sub = subscribe(client, alice, "av1-year-usd")
    clock.advance(timedelta(days=59))
    result = cancel(client, alice, sub["id"], "now")
    assert result["refund"] == {"amount": 2999, "currency": "USD"}
    assert result["protected_until"] == result["requested_at"]
    after = client.get(f"/api/v1/subscriptions/{sub['id']}", headers=alice.headers).json()
    assert after["status"] == "canceled"
    assert after["protected"] is False
    assert after["no_further_charges"] is True
    assert count(database, Refund) == 1


def test_cancel_now_on_day_61_refunds_nothing_and_protects_until_end_date(
    client: TestClient, clock: TestClock, database: Database
) -> None:
    alice = customer(client)
    sub = subscribe(client, alice, "av1-year-usd")
    clock.advance(timedelta(days=61))
    preview = client.get(f"/api/v1/subscriptions/{sub['id']}/cancellation", headers=alice.headers)
    now_choice = next(c for c in preview.json()["choices"] if c["when"] == "now")
    assert now_choice["refund"] == {"amount": 0, "currency": "USD"}
    result = cancel(client, alice, sub["id"], "now")
    assert result["refund"] == {"amount": 0, "currency": "USD"}
    assert result["protected_until"] == sub["current_period_end"]
    after = client.get(f"/api/v1/subscriptions/{sub['id']}", headers=alice.headers).json()
    assert after["status"] == "canceled"
    assert after["protected"] is True
    assert after["protected_until"] == sub["current_period_end"]
    assert count(database, Refund) == 0


@pytest.fixture
def pro_rata_client(runtime: Runtime, database: Database, catalog: None) -> Any:
    settings = runtime.settings.model_copy(update={"refund_policy": "pro_rata"})
    app: FastAPI = create_app(
        runtime=Runtime(settings, runtime.clock, runtime.gateway, runtime.signer), database=database
    )
    with TestClient(app) as test_client:
        yield test_client


def test_cancel_now_with_pro_rata_policy_refunds_whole_unused_months(
    pro_rata_client: TestClient, clock: TestClock
) -> None:
    alice = customer(pro_rata_client)
    sub = subscribe(pro_rata_client, alice, "av1-year-usd")  # 2999 on 15 January
    clock.advance(timedelta(days=64))  # 20 March: January, February and March are used
    result = cancel(pro_rata_client, alice, sub["id"], "now")
    assert result["refund"] == {"amount": 2999 * 9 // 12, "currency": "USD"}
    assert result["protected_until"].startswith("2026-04-15T10:00:00")


def test_monthly_first_charge_refunded_in_full_on_day_13(
    client: TestClient, clock: TestClock
) -> None:
    alice = customer(client)
    sub = subscribe(client, alice, "av1-month-usd")
    clock.advance(timedelta(days=13))
    result = cancel(client, alice, sub["id"], "now")
    assert result["refund"] == {"amount": 499, "currency": "USD"}


def test_monthly_later_charge_is_not_refunded(
    client: TestClient, clock: TestClock, database: Database, runtime: Runtime
) -> None:
    alice = customer(client)
    sub = subscribe(client, alice, "av1-month-usd")
    clock.advance(timedelta(days=31))
    assert renew_now(database, runtime, sub["id"]).renewed
    clock.advance(timedelta(days=2))
    result = cancel(client, alice, sub["id"], "now")
    assert result["refund"] == {"amount": 0, "currency": "USD"}
    assert result["protected_until"].startswith("2026-03-15T10:00:00")


def test_first_charge_after_a_trial_is_under_the_monthly_guarantee(
    client: TestClient, clock: TestClock, database: Database, runtime: Runtime
) -> None:
    carol = customer(client)
    sub = subscribe(client, carol, "total5-month-usd")
    clock.advance(timedelta(days=30))
    assert renew_now(database, runtime, sub["id"]).renewed
    clock.advance(timedelta(days=10))
    result = cancel(client, carol, sub["id"], "now")
    assert result["refund"] == {"amount": 1499, "currency": "USD"}


def test_cancel_during_trial_ends_it_without_charge(client: TestClient, database: Database) -> None:
    carol = customer(client)
    sub = subscribe(client, carol, "total5-month-usd")
    result = cancel(client, carol, sub["id"], "now")
    assert result["refund"]["amount"] == 0
    assert count(database, Payment) == 0


def test_period_end_cancellation_keeps_protection_and_turns_auto_renew_off(
    client: TestClient, clock: TestClock
) -> None:
    alice = customer(client)
    sub = subscribe(client, alice, "av1-year-usd")
    clock.advance(timedelta(days=100))
    result = cancel(client, alice, sub["id"], "period_end")
    assert result["id"].startswith("CXL-")
    assert result["protected_until"] == sub["current_period_end"]
    assert result["refund"] == {"amount": 0, "currency": "USD"}
    after = client.get(f"/api/v1/subscriptions/{sub['id']}", headers=alice.headers).json()
    assert after["status"] == "active"
    assert after["auto_renew"] is False
    assert after["protected"] is True
    assert after["protected_until"] == sub["current_period_end"]
    assert after["next_charge"] is None
    assert after["no_further_charges"] is True


def test_turning_auto_renew_back_on_before_the_end_date_uncancels(
    client: TestClient, clock: TestClock
) -> None:
    alice = customer(client)
    sub = subscribe(client, alice, "av1-year-usd")
    first = cancel(client, alice, sub["id"], "period_end")
    clock.advance(timedelta(days=200))
    response = set_auto_renew(client, alice, sub["id"], True)
    assert response.status_code == 200
    assert response.json()["auto_renew"] is True
    assert response.json()["next_charge"]["amount"] == {"amount": 4999, "currency": "USD"}
    revoked = client.get(f"/api/v1/cancellations/{first['id']}", headers=alice.headers).json()
    assert revoked["status"] == "revoked"
    second = cancel(client, alice, sub["id"], "period_end")
    assert second["id"] != first["id"]


def test_auto_renew_cannot_be_turned_on_after_the_subscription_ended(
    client: TestClient, clock: TestClock
) -> None:
    alice = customer(client)
    sub = subscribe(client, alice, "av1-year-usd")
    cancel(client, alice, sub["id"], "now")
    response = set_auto_renew(client, alice, sub["id"], True)
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "subscription_ended"


def test_repeated_cancel_returns_the_same_cancellation_and_refunds_once(
    client: TestClient, clock: TestClock, database: Database
) -> None:
    alice = customer(client)
    sub = subscribe(client, alice, "av1-year-usd")
    first = cancel(client, alice, sub["id"], "now")
    again = cancel(client, alice, sub["id"], "now")
    later = cancel(client, alice, sub["id"], "period_end")
    assert first == again == later
    assert count(database, Refund) == 1


def test_same_idempotency_key_replays_the_cancellation(
    client: TestClient, database: Database
) -> None:
    alice = customer(client)
    sub = subscribe(client, alice, "av1-year-usd")
    first = cancel(client, alice, sub["id"], "now", **{"Idempotency-Key": "cxl-1"})
    second = cancel(client, alice, sub["id"], "now", **{"Idempotency-Key": "cxl-1"})
    assert first == second
    assert count(database, Refund) == 1


def test_cancel_now_after_period_end_cancellation_supersedes_it(
    client: TestClient, database: Database
) -> None:
    alice = customer(client)
    sub = subscribe(client, alice, "av1-year-usd")
    stop = cancel(client, alice, sub["id"], "period_end")
    now = cancel(client, alice, sub["id"], "now")
    assert now["id"] != stop["id"]
    assert now["refund"]["amount"] == 2999
    old = client.get(f"/api/v1/cancellations/{stop['id']}", headers=alice.headers).json()
    assert old["status"] == "superseded"


def test_preview_lists_both_choices_and_the_services_that_end(client: TestClient) -> None:
    bruno = customer(client, country="DE", region=None)
    sub = subscribe(client, bruno, "total5-year-eur")
    preview = client.get(f"/api/v1/subscriptions/{sub['id']}/cancellation", headers=bruno.headers)
    body = preview.json()
    assert {c["when"] for c in body["choices"]} == {"now", "period_end"}
    now_choice = next(c for c in body["choices"] if c["when"] == "now")
    assert now_choice["refund"] == {"amount": 7999, "currency": "EUR"}
    assert now_choice["refund_basis"] == "money_back_guarantee"
    assert set(body["services_ending"]) == {
        "Antivirus",
        "Secure VPN",
        "Cloud Backup",
        "Identity Monitoring",
    }
    assert body["end_date"] == sub["current_period_end"]


def test_receipt_verifies_and_one_changed_byte_does_not(client: TestClient) -> None:
    alice = customer(client)
    sub = subscribe(client, alice, "av1-year-usd")
    receipt = cancel(client, alice, sub["id"], "now")["receipt"]
    assert client.post("/api/v1/receipts/verify", json={"receipt": receipt}).json() == {
        "valid": True
    }

    tampered_amount = {
        **receipt,
        "payload": {**receipt["payload"], "refund": {"amount": 2998, "currency": "USD"}},
    }
    original_id = receipt["payload"]["cancellation_id"]
    other_id = original_id[:-1] + ("Z" if original_id[-1] != "Z" else "Y")
    tampered_id = {**receipt, "payload": {**receipt["payload"], "cancellation_id": other_id}}
    signature = receipt["signature"]
    flipped = signature[:10] + ("A" if signature[10] != "A" else "B") + signature[11:]
    for bad in (tampered_amount, tampered_id, {**receipt, "signature": flipped}):
        assert client.post("/api/v1/receipts/verify", json={"receipt": bad}).json() == {
            "valid": False
        }


def test_receipt_verifies_offline_with_the_published_public_key(client: TestClient) -> None:
    from subdesk.receipts import verify_receipt

    alice = customer(client)
    sub = subscribe(client, alice, "av1-year-usd")
    receipt = cancel(client, alice, sub["id"], "period_end")["receipt"]
    keys = client.get("/api/v1/licenses/public-key").json()["keys"]
    assert verify_receipt(receipt, {k["key_id"]: k["public_key"] for k in keys})
