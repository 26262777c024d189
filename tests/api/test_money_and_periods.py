"""Acceptance 9: money is integers with a currency everywhere; months clamp to month end."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi.testclient import TestClient

from subdesk.clock import TestClock
from subdesk.context import Runtime
from subdesk.db import Database
from tests.api.helpers import renew_now
from tests.factories import customer, subscribe


def money_fields(value: Any) -> list[dict[str, Any]]:
    """Every {"amount", "currency"} object anywhere in a JSON document."""
    if isinstance(value, dict):
        found = [value] if set(value) == {"amount", "currency"} else []
        return found + [m for v in value.values() for m in money_fields(v)]
    if isinstance(value, list):
        return [m for v in value for m in money_fields(v)]
    return []


def test_every_amount_in_the_api_is_an_integer_with_an_iso_currency(client: TestClient) -> None:
    alice = customer(client)
    sub = subscribe(client, alice, "av1-year-usd")
    cancellation = client.post(
        f"/api/v1/subscriptions/{sub['id']}/cancel", json={"when": "now"}, headers=alice.headers
    ).json()
    documents = [
        client.get("/api/v1/plans").json(),
        sub,
        client.get(f"/api/v1/subscriptions/{sub['id']}/cancellation", headers=alice.headers).json(),
        cancellation,
        client.get("/api/v1/invoices", headers=alice.headers).json(),
    ]
    found = [m for doc in documents for m in money_fields(doc)]
    assert len(found) > 10
    for money in found:
        assert type(money["amount"]) is int
        assert money["currency"] in {"USD", "EUR"}


def test_monthly_subscription_from_31_january_renews_28_february_then_31_march(
    client: TestClient, clock: TestClock, database: Database, runtime: Runtime
) -> None:
    clock.set(datetime(2026, 1, 31, 9, 30, tzinfo=UTC))
    alice = customer(client)
    sub = subscribe(client, alice, "av1-month-usd")
    assert sub["current_period_end"].startswith("2026-02-28T09:30:00")

    clock.set(datetime(2026, 2, 28, 9, 30, tzinfo=UTC))
    assert renew_now(database, runtime, sub["id"]).renewed
    after_feb = client.get(f"/api/v1/subscriptions/{sub['id']}", headers=alice.headers).json()
    assert after_feb["current_period_start"].startswith("2026-02-28T09:30:00")
    assert after_feb["current_period_end"].startswith("2026-03-31T09:30:00")

    clock.set(datetime(2026, 3, 31, 9, 30, tzinfo=UTC))
    assert renew_now(database, runtime, sub["id"]).renewed
    after_mar = client.get(f"/api/v1/subscriptions/{sub['id']}", headers=alice.headers).json()
    assert after_mar["current_period_end"].startswith("2026-04-30T09:30:00")


def test_times_in_the_api_are_utc(client: TestClient) -> None:
    alice = customer(client)
    sub = subscribe(client, alice, "av1-year-usd")
    for field in ("started_at", "current_period_start", "current_period_end"):
        assert sub[field].endswith("Z") or sub[field].endswith("+00:00"), sub[field]
