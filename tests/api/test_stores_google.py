"""Google Play real-time developer notifications: a year of them mirrored into one subscription,
the app linking its purchase token, and pushes without the shared secret refused."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from subdesk.clock import TestClock
from subdesk.config import Settings
from subdesk.db import Database
from subdesk.models import AuditEvent, StoreNotification, Subscription
from subdesk.subscriptions.periods import add_months
from tests.api.helpers import count
from tests.api.stores import GOOGLE_PRODUCT, PRODUCTS, PUSH_TOKEN, google_envelope, post_google
from tests.api.test_licenses import activate, check_in
from tests.conftest import START
from tests.factories import Customer, customer, subscribe

PURCHASED, RENEWED, RECOVERED, CANCELED, RESTARTED = 4, 2, 1, 3, 7
IN_GRACE_PERIOD, ON_HOLD, REVOKED = 6, 5, 12


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(
        update={"google_push_token": PUSH_TOKEN, "store_products": PRODUCTS, "google_grace_days": 7}
    )


class Play:
    """Pushes notifications about one purchase token, and acts as the app that bought it."""

    def __init__(self, client: TestClient, clock: TestClock, who: Customer) -> None:
        self.client, self.clock, self.who = client, clock, who
        self.token = f"play-token-{uuid.uuid4()}"

    def push(self, kind: int, at: datetime, message_id: str | None = None) -> str:
        self.clock.set(max(self.clock.now(), at + timedelta(minutes=1)))
        envelope = google_envelope(kind, at=at, token=self.token, message_id=message_id)
        response = post_google(self.client, envelope)
        assert response.status_code == 200, response.text
        return str(response.json()["outcome"])

    def register(self, who: Customer | None = None) -> Any:
        body = {"purchase_token": self.token, "product_id": GOOGLE_PRODUCT}
        headers = (who or self.who).headers
        return self.client.post("/api/v1/stores/google/purchases", json=body, headers=headers)

    def subscription(self) -> dict[str, Any]:
        subs = self.client.get("/api/v1/subscriptions", headers=self.who.headers).json()
        assert len(subs) == 1
        return dict(subs[0])


def stored(database: Database, sub_id: str) -> Subscription:
    with database.transaction() as session:
        row = session.get(Subscription, uuid.UUID(sub_id))
        assert row is not None
        return row


def test_a_year_of_google_notifications_in_any_order_leaves_the_right_state(
    client: TestClient, clock: TestClock, database: Database
) -> None:
    play = Play(client, clock, customer(client))
    # Google's notification may come before the app registers the token: kept, not yet linked.
    assert play.push(PURCHASED, START) == "unlinked"
    linked = play.register()
    assert linked.status_code == 200, linked.text
    assert linked.json()["status"] == "linked"
    sub = linked.json()["subscription"]
    assert (sub["channel"], sub["status"]) == ("google_play", "active")
    assert stored(database, sub["id"]).current_period_end == add_months(START, 1)
    token = activate(client, play.who, sub["id"], "pixel").json()["device_token"]

    # Renewals: March's twice (Pub/Sub redelivers), February's after March's.
    assert play.push(RENEWED, add_months(START, 2), "msg-march") == "applied"
    assert play.push(RENEWED, add_months(START, 2), "msg-march") == "duplicate"
    assert play.push(RENEWED, add_months(START, 1)) == "stale"
    play.push(RENEWED, add_months(START, 3))
    assert check_in(client, token)["code"] == "ACTIVE"

    # May's renewal fails: grace, then account hold, then the customer fixes the card.
    failed = add_months(START, 4)
    play.push(IN_GRACE_PERIOD, failed)
    grace = stored(database, sub["id"])
    assert (grace.status, grace.grace_ends_at) == ("past_due", failed + timedelta(days=7))
    assert check_in(client, token)["code"] == "GRACE"
    play.push(ON_HOLD, failed + timedelta(days=7))
    assert play.subscription()["status"] == "past_due"
    recovered = failed + timedelta(days=10)
    play.push(RECOVERED, recovered)
    assert play.subscription()["status"] == "active"
    assert stored(database, sub["id"]).current_period_end == add_months(recovered, 1)

    # Auto-renew off and on again in the Play Store.
    play.push(CANCELED, datetime(2026, 6, 1, tzinfo=UTC))
    off = stored(database, sub["id"])
    assert (off.auto_renew, off.access_ends_at) == (False, add_months(recovered, 1))
    play.push(RESTARTED, datetime(2026, 6, 3, tzinfo=UTC))
    assert play.subscription()["auto_renew"] is True

    # Monthly renewals to December, two of them swapped; then Google revokes it.
    renewals = [add_months(recovered, n) for n in range(1, 8)]
    for at in (*renewals[:3], renewals[4], renewals[3], *renewals[5:]):
        play.push(RENEWED, at)
    assert check_in(client, token)["code"] == "ACTIVE"
    revoked = renewals[-1] + timedelta(days=3)
    play.push(REVOKED, revoked)
    assert play.push(RENEWED, renewals[2]) == "stale"

    final = stored(database, sub["id"])
    assert (final.status, final.auto_renew) == ("canceled", False)
    assert (final.current_period_end, final.access_ends_at) == (
        add_months(renewals[-1], 1),
        revoked,
    )
    answer = check_in(client, token)
    assert (answer["code"], answer["protected"]) == ("CANCELED", False)


def test_a_purchase_token_registered_before_google_confirms_it_waits(
    client: TestClient, clock: TestClock
) -> None:
    play = Play(client, clock, customer(client))
    pending = play.register()
    assert pending.status_code == 200, pending.text
    assert pending.json() == {"status": "pending", "subscription": None}
    assert client.get("/api/v1/subscriptions", headers=play.who.headers).json() == []
    assert play.push(PURCHASED, START) == "applied"
    assert play.subscription()["status"] == "active"


def test_another_account_cannot_claim_a_registered_purchase_token(
    client: TestClient, clock: TestClock
) -> None:
    play = Play(client, clock, customer(client))
    play.register()
    taken = play.register(customer(client))
    assert taken.status_code == 409
    assert taken.json()["error"]["code"] == "purchase_taken"
    assert play.register().status_code == 200  # the owner may repeat it


def test_an_unknown_product_cannot_be_registered(client: TestClient, clock: TestClock) -> None:
    play = Play(client, clock, customer(client))
    body = {"purchase_token": play.token, "product_id": "not-ours"}
    answer = client.post("/api/v1/stores/google/purchases", json=body, headers=play.who.headers)
    assert answer.status_code == 404
    assert answer.json()["error"]["code"] == "unknown_product"


@pytest.mark.parametrize("secret", [None, "", "wrong-secret"])
def test_a_push_without_the_shared_secret_is_refused_and_changes_nothing(
    client: TestClient, clock: TestClock, database: Database, secret: str | None
) -> None:
    play = Play(client, clock, customer(client))
    play.register()
    play.push(PURCHASED, START)
    before, audit = play.subscription(), count(database, AuditEvent)
    forged = google_envelope(REVOKED, at=START + timedelta(days=1), token=play.token)
    response = post_google(client, forged, token=secret)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "invalid_push_token"
    assert play.subscription() == before
    assert count(database, AuditEvent) == audit
    assert count(database, StoreNotification) == 1


def test_a_push_is_refused_when_no_secret_is_configured(
    client: TestClient, settings: Settings
) -> None:
    settings.google_push_token = None
    envelope = google_envelope(PURCHASED, at=START, token="t")
    assert post_google(client, envelope, token="").status_code == 401
    assert post_google(client, envelope, token=None).status_code == 401


def test_a_malformed_push_is_refused(client: TestClient) -> None:
    envelope = google_envelope(PURCHASED, at=START, token="t")
    envelope["message"]["data"] = "not base64!"
    assert post_google(client, envelope).status_code == 400
    assert post_google(client, {"message": {}}).status_code == 422


def test_cancelling_a_google_play_subscription_answers_the_steps_and_changes_nothing(
    client: TestClient, clock: TestClock, database: Database
) -> None:
    play = Play(client, clock, customer(client))
    play.register()
    play.push(PURCHASED, START)
    before, audit = play.subscription(), count(database, AuditEvent)
    response = client.post(
        f"/api/v1/subscriptions/{before['id']}/cancel",
        json={"when": "now", "reason": "switching phones"},
        headers=play.who.headers,
    )
    assert response.status_code == 409
    error = response.json()["error"]
    assert (error["code"], error["channel"]) == ("billed_elsewhere", "google_play")
    assert any("Google Play" in step for step in error["steps"])
    assert play.subscription() == before
    assert count(database, AuditEvent) == audit


def test_an_add_on_bought_beside_a_google_play_plan_stops_and_ends_with_it(
    client: TestClient, clock: TestClock, database: Database
) -> None:
    play = Play(client, clock, customer(client))
    play.push(PURCHASED, START)
    main = play.register().json()["subscription"]
    vpn = subscribe(client, play.who, "vpn-addon-year-usd")
    assert vpn["main_subscription_id"] == main["id"]

    play.push(CANCELED, START + timedelta(days=3))  # auto-renew off in the Play Store
    stopped = stored(database, vpn["id"])
    assert (stopped.auto_renew, stopped.access_ends_at) == (False, add_months(START, 1))
    play.push(REVOKED, START + timedelta(days=5))
    ended = stored(database, vpn["id"])
    assert (ended.status, ended.auto_renew) == ("canceled", False)
    assert ended.access_ends_at is not None
    assert ended.access_ends_at <= START + timedelta(days=5, minutes=1)
