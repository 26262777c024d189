"""Acceptance 8: every state change leaves an audit event; the log is append-only."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from subdesk.clock import TestClock
from subdesk.db import Database
from subdesk.models import AuditEvent
from tests.factories import customer, plan_id, subscribe


def test_every_state_change_leaves_an_event_with_actor_before_and_after(
    client: TestClient, clock: TestClock, database: Database
) -> None:
    alice = customer(client)
    sub = subscribe(client, alice, "av1-year-usd")
    base = f"/api/v1/subscriptions/{sub['id']}"
    client.put(f"{base}/auto-renew", json={"enabled": False}, headers=alice.headers)
    client.put(f"{base}/auto-renew", json={"enabled": True}, headers=alice.headers)
    client.post(
        f"{base}/cancel", json={"when": "period_end", "reason": "moving"}, headers=alice.headers
    )
    client.put(f"{base}/auto-renew", json={"enabled": True}, headers=alice.headers)
    clock.advance(timedelta(days=10))
    client.post(f"{base}/cancel", json={"when": "now", "reason": "done"}, headers=alice.headers)

    history = client.get(f"{base}/history", headers=alice.headers).json()
    actions = [e["action"] for e in history]
    assert actions == [
        "payment.captured",
        "subscription.created",
        "subscription.auto_renew_disabled",
        "subscription.auto_renew_enabled",
        "subscription.canceled_period_end",
        "cancellation.revoked",
        "subscription.auto_renew_enabled",
        "refund.created",
        "subscription.canceled_now",
        "refund.succeeded",  # the processor is asked after the cancellation commits
    ]
    changes = [
        e
        for e in history
        if e["action"].startswith("subscription.") and e["action"] != "subscription.created"
    ]
    for event in changes:
        assert event["actor"] == "customer"
        assert event["before"] is not None
        assert event["after"] is not None
        assert event["before"] != event["after"]
    final = next(e for e in history if e["action"] == "subscription.canceled_now")
    assert final["before"]["status"] == "active"
    assert final["after"]["status"] == "canceled"
    assert final["reason"] == "done"


def test_account_and_card_changes_are_audited(client: TestClient, database: Database) -> None:
    alice = customer(client)
    client.delete(f"/api/v1/payment-methods/{alice.card_id}", headers=alice.headers)
    with database.transaction() as session:
        actions = [e.action for e in session.query(AuditEvent).order_by(AuditEvent.id)]
    assert actions == ["account.created", "payment_method.added", "payment_method.removed"]


def test_plan_change_is_audited(client: TestClient) -> None:
    alice = customer(client)
    sub = subscribe(client, alice, "av1-year-usd")
    client.put(
        f"/api/v1/subscriptions/{sub['id']}/plan",
        json={"plan_id": plan_id(client, "suite3-year-usd")},
        headers=alice.headers,
    )
    history = client.get(f"/api/v1/subscriptions/{sub['id']}/history", headers=alice.headers).json()
    change = history[-1]
    assert change["action"] == "subscription.plan_upgrade_now"
    assert change["before"]["plan_id"] != change["after"]["plan_id"]


@pytest.mark.parametrize(
    "statement", ["UPDATE audit_events SET action = 'x'", "DELETE FROM audit_events"]
)
def test_audit_log_refuses_updates_and_deletes(
    client: TestClient, database: Database, statement: str
) -> None:
    customer(client)
    with pytest.raises(DBAPIError, match="append-only"), database.transaction() as session:
        session.execute(text(statement))
    with database.transaction() as session:
        assert session.query(AuditEvent).count() == 2
