"""App Store Server Notifications: a year of them mirrored into one subscription, in any order,
and nothing at all from a payload whose signature or chain does not hold."""

from __future__ import annotations

import base64
import json
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from subdesk.clock import TestClock
from subdesk.config import Settings
from subdesk.context import Runtime
from subdesk.db import Database
from subdesk.models import AuditEvent, Payment, StoreNotification, Subscription
from subdesk.notifications.smtp import SmtpSender
from subdesk.subscriptions.periods import add_months
from subdesk.worker.loop import one_pass
from tests.api.helpers import count
from tests.api.stores import PRODUCTS, apple_payload, post_apple
from tests.api.test_licenses import activate, check_in
from tests.conftest import START
from tests.factories import Customer, customer
from tests.store_signing import make_chain, sign, with_foreign_leaf

CHAIN = make_chain()


@pytest.fixture
def settings(settings: Settings, tmp_path: Path) -> Settings:
    root = tmp_path / "test-root.pem"
    root.write_bytes(CHAIN.root_pem())
    return settings.model_copy(update={"apple_root_certs": [str(root)], "store_products": PRODUCTS})


def month(n: int, start: datetime = START) -> datetime:
    return add_months(start, n)


class Apple:
    """Delivers notifications about one customer's App Store subscription at given times."""

    def __init__(self, client: TestClient, clock: TestClock, who: Customer) -> None:
        self.client, self.clock, self.who = client, clock, who
        self.account = client.get("/api/v1/me", headers=who.headers).json()["id"]

    def payload(self, kind: str, subtype: str | None = None, **facts: Any) -> str:
        return apple_payload(CHAIN, kind, subtype, account_id=self.account, **facts)

    def send(self, payload: str, at: datetime) -> str:
        self.clock.set(max(self.clock.now(), at + timedelta(minutes=1)))
        response = post_apple(self.client, payload)
        assert response.status_code == 200, response.text
        return str(response.json()["outcome"])

    def notify(self, kind: str, subtype: str | None = None, **facts: Any) -> str:
        return self.send(self.payload(kind, subtype, **facts), facts["at"])

    def subscription(self) -> dict[str, Any]:
        subs = self.client.get("/api/v1/subscriptions", headers=self.who.headers).json()
        assert len(subs) == 1
        return dict(subs[0])


def stored(database: Database, sub_id: str) -> Subscription:
    with database.transaction() as session:
        row = session.get(Subscription, uuid.UUID(sub_id))
        assert row is not None
        return row


def test_a_year_of_apple_notifications_in_any_order_leaves_the_right_state(
    client: TestClient, clock: TestClock, database: Database, runtime: Runtime
) -> None:
    apple = Apple(client, clock, customer(client))
    assert apple.notify("SUBSCRIBED", "INITIAL_BUY", at=START, expires=month(1)) == "applied"
    sub = apple.subscription()
    assert (sub["channel"], sub["status"], sub["auto_renew"]) == ("app_store", "active", True)
    device = activate(client, apple.who, sub["id"], "iphone")
    assert device.status_code == 201, device.text
    token = device.json()["device_token"]
    assert check_in(client, token)["code"] == "ACTIVE"

    # Monthly renewals; March's arrives after April's, February's twice.
    february = apple.payload("DID_RENEW", at=month(1), expires=month(2))
    assert apple.send(february, month(1)) == "applied"
    assert apple.send(february, month(1)) == "duplicate"
    april = apple.payload("DID_RENEW", at=month(3), expires=month(4))
    assert apple.send(april, month(3)) == "applied"
    assert apple.notify("DID_RENEW", at=month(2), expires=month(3)) == "stale"
    assert stored(database, sub["id"]).current_period_end == month(4)

    # May's renewal fails: billing retry in grace, then Apple recovers it.
    grace_end = month(4) + timedelta(days=16)
    apple.notify(
        "DID_FAIL_TO_RENEW", "GRACE_PERIOD", at=month(4), expires=month(4), status=4,
        grace_until=grace_end,
    )  # fmt: skip
    in_grace = stored(database, sub["id"])
    assert (in_grace.status, in_grace.grace_ends_at) == ("past_due", grace_end)
    assert check_in(client, token)["code"] == "GRACE"
    recovered = month(4) + timedelta(days=5)
    apple.notify("DID_RENEW", "BILLING_RECOVERY", at=recovered, expires=month(1, recovered))
    assert apple.subscription()["status"] == "active"
    assert check_in(client, token)["code"] == "ACTIVE"

    # Auto-renew off, then on again, in the customer's iPhone settings.
    june = month(1, recovered)
    apple.notify(
        "DID_CHANGE_RENEWAL_STATUS", "AUTO_RENEW_DISABLED", at=datetime(2026, 6, 1, tzinfo=UTC),
        expires=june, auto_renew=False,
    )  # fmt: skip
    assert apple.subscription()["auto_renew"] is False
    apple.notify(
        "DID_CHANGE_RENEWAL_STATUS", "AUTO_RENEW_ENABLED", at=datetime(2026, 6, 10, tzinfo=UTC),
        expires=june,
    )  # fmt: skip
    assert apple.subscription()["auto_renew"] is True

    # June to December; September's renewal arrives after October's.
    renewals = [
        apple.payload("DID_RENEW", at=month(n, june), expires=month(n + 1, june)) for n in range(7)
    ]
    for n in (0, 1, 2, 4, 3, 5, 6):
        apple.send(renewals[n], month(n, june))
        assert check_in(client, token)["code"] == "ACTIVE"  # the app checks in all along
    assert stored(database, sub["id"]).current_period_end == month(7, june)

    # The worker never charges a store subscription.
    one_pass(database, runtime, SmtpSender(runtime.settings))
    assert count(database, Payment, subscription_id=uuid.UUID(sub["id"])) == 0

    refund_at = datetime(2027, 1, 5, 9, tzinfo=UTC)
    apple.notify("REFUND", at=refund_at, expires=month(7, june), status=5)
    late = apple.payload("DID_RENEW", at=month(5, june), expires=month(6, june))
    assert apple.send(late, refund_at) == "stale"

    final = stored(database, sub["id"])
    assert (final.status, final.auto_renew) == ("canceled", False)
    assert (final.current_period_end, final.access_ends_at) == (month(7, june), refund_at)
    answer = check_in(client, token)
    assert (answer["code"], answer["protected"]) == ("CANCELED", False)
    with database.transaction() as session:
        events = session.scalars(
            select(AuditEvent).where(AuditEvent.subscription_id == final.id).order_by(AuditEvent.id)
        ).all()
    store_events = [e for e in events if e.actor_type == "store"]
    assert {e.actor_id for e in store_events} == {"apple"}
    assert [e.action for e in store_events][:2] == ["subscription.created", "subscription.renewed"]
    assert {
        "subscription.payment_failed",
        "subscription.auto_renew_disabled",
        "subscription.auto_renew_enabled",
        "subscription.canceled",
    } <= {e.action for e in store_events}


def test_the_first_notification_is_linked_to_the_account_in_app_account_token(
    client: TestClient, clock: TestClock
) -> None:
    apple = Apple(client, clock, customer(client))
    apple.account = str(uuid.uuid4())  # not an account of ours
    assert apple.notify("SUBSCRIBED", "INITIAL_BUY", at=START, expires=month(1)) == "unlinked"
    assert client.get("/api/v1/subscriptions", headers=apple.who.headers).json() == []


BAD_CHAINS = {
    "unknown root": make_chain("Test Root CA"),
    "broken chain": with_foreign_leaf(CHAIN),
    "expired leaf": make_chain(
        leaf_valid=(datetime(2024, 1, 1, tzinfo=UTC), datetime(2025, 6, 1, tzinfo=UTC))
    ),
    "intermediate not a CA": make_chain(intermediate_is_ca=False),
}


@pytest.mark.parametrize("bad", list(BAD_CHAINS))
def test_a_notification_with_an_untrusted_chain_is_refused_and_changes_nothing(
    client: TestClient, clock: TestClock, database: Database, bad: str
) -> None:
    apple = Apple(client, clock, customer(client))
    apple.notify("SUBSCRIBED", "INITIAL_BUY", at=START, expires=month(1))
    before = apple.subscription()
    audit = count(database, AuditEvent)
    forged = apple_payload(
        BAD_CHAINS[bad], "REFUND", at=START + timedelta(days=2), expires=month(1),
        account_id=apple.account, status=5,
    )  # fmt: skip
    response = post_apple(client, forged)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "untrusted_signature"
    assert apple.subscription() == before
    assert count(database, AuditEvent) == audit
    assert count(database, StoreNotification) == 1


def test_a_changed_byte_or_a_forged_transaction_inside_is_refused(
    client: TestClient, clock: TestClock, database: Database
) -> None:
    apple = Apple(client, clock, customer(client))
    apple.notify("SUBSCRIBED", "INITIAL_BUY", at=START, expires=month(1))
    before, audit = apple.subscription(), count(database, AuditEvent)
    genuine = apple.payload("EXPIRED", "VOLUNTARY", at=START + timedelta(days=3), expires=month(1))
    header, body, signature = genuine.split(".")
    changed = body[:10] + ("A" if body[10] != "A" else "B") + body[11:]
    assert post_apple(client, f"{header}.{changed}.{signature}").status_code in (400, 401)
    inner = apple_payload(
        make_chain("Other Root"), "EXPIRED", at=START + timedelta(days=3), expires=month(1),
        account_id=apple.account,
    )  # fmt: skip
    assert post_apple(client, _rewrapped(inner, genuine)).status_code == 401
    assert apple.subscription() == before
    assert count(database, AuditEvent) == audit


def _rewrapped(foreign: str, genuine: str) -> str:
    """`genuine`'s envelope, re-signed by our chain, around `foreign`'s transaction."""

    def body(token: str) -> dict[str, Any]:
        part = token.split(".")[1]
        return dict(json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))))

    envelope = body(genuine)
    envelope["data"]["signedTransactionInfo"] = body(foreign)["data"]["signedTransactionInfo"]
    return sign(envelope, CHAIN)


def test_cancelling_an_app_store_subscription_answers_the_steps_and_changes_nothing(
    client: TestClient, clock: TestClock, database: Database
) -> None:
    apple = Apple(client, clock, customer(client))
    apple.notify("SUBSCRIBED", "INITIAL_BUY", at=START, expires=month(1))
    before, audit = apple.subscription(), count(database, AuditEvent)
    for when in ("now", "period_end"):
        response = client.post(
            f"/api/v1/subscriptions/{before['id']}/cancel",
            json={"when": when, "reason": "too expensive"},
            headers=apple.who.headers,
        )
        assert response.status_code == 409
        error = response.json()["error"]
        assert (error["code"], error["channel"]) == ("billed_elsewhere", "app_store")
        assert any("Settings" in step for step in error["steps"])
    assert apple.subscription() == before
    assert count(database, AuditEvent) == audit
