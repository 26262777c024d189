"""Renewing one subscription: each period charged once; declines move it to past_due."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from subdesk.clock import TestClock
from subdesk.context import Runtime
from subdesk.db import Database
from subdesk.errors import Conflict
from subdesk.models import Payment, Subscription
from tests.api.helpers import count, renew_now
from tests.factories import add_card, customer, set_auto_renew, subscribe


def test_renewal_charges_the_renewal_price_after_the_intro_term(
    client: TestClient, clock: TestClock, database: Database, runtime: Runtime
) -> None:
    alice = customer(client)
    sub = subscribe(client, alice, "av1-year-usd")
    clock.advance(timedelta(days=365))
    outcome = renew_now(database, runtime, sub["id"])
    assert outcome.renewed
    invoices = client.get("/api/v1/invoices", headers=alice.headers).json()
    assert [i["amount"]["amount"] for i in invoices] == [4999, 2999]


def test_a_period_is_never_charged_twice(
    client: TestClient, clock: TestClock, database: Database, runtime: Runtime
) -> None:
    alice = customer(client)
    sub = subscribe(client, alice, "av1-month-usd")
    clock.advance(timedelta(days=31))
    renew_now(database, runtime, sub["id"])
    with pytest.raises(Conflict, match="not due"):
        renew_now(database, runtime, sub["id"])
    assert count(database, Payment) == 2


def test_declined_renewal_moves_to_past_due_and_keeps_protection(
    client: TestClient, clock: TestClock, database: Database, runtime: Runtime
) -> None:
    alice = customer(client)
    sub = subscribe(client, alice, "total5-month-usd")  # a trial: no charge yet
    declining = add_card(client, alice.headers, "4000000000000341")
    with database.transaction() as session:
        row = session.get(Subscription, uuid.UUID(sub["id"]))
        assert row is not None
        row.payment_method_id = uuid.UUID(declining)
    clock.advance(timedelta(days=30))
    outcome = renew_now(database, runtime, sub["id"])
    assert not outcome.renewed
    assert outcome.decline_code == "generic_decline"
    after = client.get(f"/api/v1/subscriptions/{sub['id']}", headers=alice.headers).json()
    assert after["status"] == "past_due"
    assert after["protected"] is True


def test_subscription_with_auto_renew_off_does_not_renew(
    client: TestClient, clock: TestClock, database: Database, runtime: Runtime
) -> None:
    alice = customer(client)
    sub = subscribe(client, alice, "av1-month-usd")
    set_auto_renew(client, alice, sub["id"], False)
    clock.advance(timedelta(days=31))
    with pytest.raises(Conflict, match="does not renew"):
        renew_now(database, runtime, sub["id"])
