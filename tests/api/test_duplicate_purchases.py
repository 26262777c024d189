"""Acceptance (issue 14): buying a product the account holds is refused before any charge with
the choices, or confirmed on purpose and charged; a duplicate that gets past the check is
refunded by the worker once, its subscription ended with one email, and never renewed."""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from subdesk.billing.gateway import Charge
from subdesk.billing.sandbox import SandboxGateway
from subdesk.clock import TestClock
from subdesk.context import Runtime, Work
from subdesk.db import Database
from subdesk.models import (
    AuditEvent,
    Device,
    OutboxEmail,
    Payment,
    PaymentAttempt,
    Refund,
    Subscription,
)
from subdesk.money import Money
from subdesk.notifications.smtp import SmtpSender
from subdesk.subscriptions import duplicate_purchases
from subdesk.support.billing_problems import find_duplicates
from subdesk.worker.loop import one_pass
from subdesk.worker.renewals import run_pass
from tests.factories import Customer, customer, plan_id, set_auto_renew, subscribe
from tests.integration.gateways import processor
from tests.smtp import SmtpServer

DUPLICATE_SUBJECT = "You bought Shield Antivirus twice"


@pytest.fixture
def unchecked(monkeypatch: pytest.MonkeyPatch) -> None:
    """Orders pass the duplicate check, as one the check never saw would (a row written by an
    older version of subdesk, or by a bug)."""
    monkeypatch.setattr(duplicate_purchases, "refusal_of", lambda *_args, **_kwargs: None)


def order(client: TestClient, who: Customer, code: str, **extra: Any) -> dict[str, Any]:
    return {
        "plan_id": plan_id(client, code),
        "payment_method_id": who.card_id,
        "auto_renew_consent": True,
        **extra,
    }


def buy(client: TestClient, who: Customer, code: str, key: str, **extra: Any) -> Any:
    headers = {**who.headers, "Idempotency-Key": key}
    return client.post(
        "/api/v1/subscriptions", json=order(client, who, code, **extra), headers=headers
    )


def count(database: Database, model: type[Any]) -> int:
    with database.transaction() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def captures(runtime: Runtime) -> int:
    gateway: SandboxGateway = runtime.gateway  # type: ignore[assignment]
    return gateway.ledger.captures()


def payments_of(database: Database, sub_id: str) -> list[Payment]:
    with database.transaction() as session:
        query = select(Payment).where(Payment.subscription_id == uuid.UUID(sub_id))
        return list(session.scalars(query.order_by(Payment.captured_at)))


def row(database: Database, sub_id: str) -> Subscription:
    with database.transaction() as session:
        return session.get_one(Subscription, uuid.UUID(sub_id))


def test_buying_a_product_held_is_refused_before_any_charge_with_the_choices(
    client: TestClient, database: Database, runtime: Runtime
) -> None:
    who = customer(client)
    held = subscribe(client, who, "av1-year-usd")
    before = (captures(runtime), count(database, Payment), count(database, PaymentAttempt))
    # Another plan of the same product is the same product.
    refused = buy(client, who, "av1-month-usd", "second")
    assert refused.status_code == 409, refused.text
    error = refused.json()["error"]
    assert (error["code"], error["field"], error["subscription_id"]) == (
        "already_subscribed",
        "plan_id",
        held["id"],
    )
    assert "You already have Shield Antivirus, 1 device, yearly" in error["message"]
    upgrade, extend, anyway = error["choices"]
    assert upgrade["choice"] == "upgrade"
    assert [p["code"] for p in upgrade["plans"]] == ["suite3-year-usd", "total5-year-usd"]
    assert f"/api/v1/subscriptions/{held['id']}/plan" in upgrade["how"]
    assert (extend["choice"], extend["renews"]) == ("extend", True)
    assert (anyway["choice"], anyway["field"]) == ("buy_anyway", "confirm_second_purchase")
    # Nothing was asked of the processor, nothing written.
    after = (captures(runtime), count(database, Payment), count(database, PaymentAttempt))
    assert after == before
    assert count(database, Subscription) == 1

    assert set_auto_renew(client, who, held["id"], False).status_code == 200
    again = buy(client, who, "av1-year-usd", "third").json()["error"]
    (extend,) = [c for c in again["choices"] if c["choice"] == "extend"]
    assert extend["renews"] is False
    assert f"/api/v1/subscriptions/{held['id']}/auto-renew" in extend["how"]


def test_a_confirmed_second_purchase_is_charged_and_never_taken_for_a_duplicate(
    client: TestClient, clock: TestClock, database: Database, runtime: Runtime
) -> None:
    who = customer(client)
    first = subscribe(client, who, "av1-year-usd")
    second = buy(client, who, "av1-year-usd", "for-my-son", confirm_second_purchase=True)
    assert second.status_code == 201, second.text
    assert captures(runtime) == 2
    assert row(database, second.json()["id"]).second_purchase_confirmed is True
    sender = SmtpSender(runtime.settings)
    assert "duplicates_refunded" not in one_pass(database, runtime, sender)
    assert count(database, Refund) == 0
    with database.transaction() as session:
        assert find_duplicates(Work(session, runtime)) == []  # not on the agents' page either
    clock.advance(timedelta(days=366))
    run_pass(database, runtime)
    assert [len(payments_of(database, s)) for s in (first["id"], second.json()["id"])] == [2, 2]


class PayingMeanwhile:
    """The sandbox; while it charges, `meanwhile` runs (the customer's second tab)."""

    def __init__(self, inner: SandboxGateway) -> None:
        self.inner = inner
        self.meanwhile: Any = None

    def charge(
        self, token: str, amount: Money, idempotency_key: str, *, reference: str | None = None
    ) -> Charge:
        if self.meanwhile is not None:
            meanwhile, self.meanwhile = self.meanwhile, None
            meanwhile()
        return self.inner.charge(token, amount, idempotency_key, reference=reference)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


def test_an_order_while_another_of_the_product_is_with_the_processor_is_refused(
    client: TestClient, database: Database, runtime: Runtime
) -> None:
    who = customer(client)
    answers: list[Any] = []
    paying = PayingMeanwhile(runtime.gateway)  # type: ignore[arg-type]
    paying.meanwhile = lambda: answers.append(buy(client, who, "av1-month-usd", "other-tab"))
    with processor(runtime, paying):
        first = buy(client, who, "av1-year-usd", "first-tab")
    assert first.status_code == 201, first.text
    (racing,) = answers
    assert racing.status_code == 409, racing.text
    assert racing.json()["error"]["code"] == "purchase_in_progress"
    assert racing.json()["error"]["choices"] == [
        {
            "choice": "buy_anyway",
            "field": "confirm_second_purchase",
            "how": racing.json()["error"]["choices"][0]["how"],
        }
    ]
    assert (count(database, Subscription), captures(runtime)) == (1, 1)


def test_parallel_orders_of_one_product_under_different_keys_charge_once(
    client: TestClient, database: Database, runtime: Runtime
) -> None:
    who = customer(client)
    answers: list[Any] = []
    start = threading.Barrier(8)

    def buy_in_parallel(number: int) -> None:
        start.wait()
        answers.append(buy(client, who, "av1-year-usd", f"tab-{number}"))

    threads = [threading.Thread(target=buy_in_parallel, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    statuses = Counter(a.status_code for a in answers)
    assert statuses == Counter({201: 1, 409: 7}), statuses
    codes = {a.json()["error"]["code"] for a in answers if a.status_code == 409}
    assert codes <= {"already_subscribed", "purchase_in_progress"}
    assert (count(database, Subscription), captures(runtime)) == (1, 1)


def test_a_duplicate_that_got_through_is_refunded_once_ended_emailed_and_never_renewed(
    client: TestClient,
    clock: TestClock,
    database: Database,
    runtime: Runtime,
    smtp: SmtpServer,
    unchecked: None,
) -> None:
    who = customer(client)
    kept = subscribe(client, who, "av1-year-usd")
    clock.advance(timedelta(minutes=3))
    twice = subscribe(client, who, "av1-year-usd")
    (charge,) = payments_of(database, twice["id"])
    laptop = {"fingerprint": "laptop-1", "name": "Laptop", "platform": "windows"}
    activated = client.post(
        "/api/v1/licenses/activate",
        json={"subscription_id": twice["id"], "device": laptop},
        headers=who.headers,
    )
    assert activated.status_code == 201, activated.text

    sender = SmtpSender(runtime.settings)
    first_pass = one_pass(database, runtime, sender)
    second_pass = one_pass(database, runtime, sender)  # the worker run again
    assert first_pass["duplicates_refunded"] == 1
    assert "duplicates_refunded" not in second_pass

    with database.transaction() as session:
        (refund,) = session.scalars(select(Refund))
        ended = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "subscription.duplicate_ended")
        ).all()
        emails = session.scalars(
            select(OutboxEmail).where(OutboxEmail.template == "duplicate_purchase")
        ).all()
    assert (refund.payment_id, refund.amount_minor) == (charge.id, charge.amount_minor)
    assert (refund.reason, refund.status) == ("duplicate_charge", "succeeded")
    gateway: SandboxGateway = runtime.gateway  # type: ignore[assignment]
    assert gateway.ledger.refunded(charge.gateway_charge_id) == charge.amount_minor
    (event,) = ended
    assert (event.actor_type, event.subscription_id) == ("system", uuid.UUID(twice["id"]))
    assert (event.after or {}).get("kept") == kept["id"]
    (email,) = emails
    assert email.subscription_id == uuid.UUID(twice["id"])
    assert [s for s in smtp.mailbox.subjects() if DUPLICATE_SUBJECT in s] == [
        f"{DUPLICATE_SUBJECT}: we refunded $29.99"
    ]

    duplicate = row(database, twice["id"])
    assert (duplicate.status, duplicate.auto_renew, duplicate.next_action_at) == (
        "canceled",
        False,
        None,
    )
    shown = client.get(f"/api/v1/subscriptions/{twice['id']}", headers=who.headers).json()
    assert shown["status"] == "canceled"
    assert row(database, kept["id"]).status == "active"
    with database.transaction() as session:  # the laptop stays protected, by the one kept
        (device,) = session.scalars(select(Device))
        assert (device.subscription_id, device.status) == (uuid.UUID(kept["id"]), "active")

    # A year on: the subscription kept renews once; the duplicate is never charged again.
    clock.advance(timedelta(days=366))
    one_pass(database, runtime, sender)
    one_pass(database, runtime, sender)
    assert [p.kind for p in payments_of(database, kept["id"])] == ["initial", "renewal"]
    assert [p.id for p in payments_of(database, twice["id"])] == [charge.id]
    assert captures(runtime) == 3
    assert count(database, Refund) == 1


def test_a_second_purchase_days_after_the_first_is_left_to_an_agent(
    client: TestClient, clock: TestClock, database: Database, runtime: Runtime, unchecked: None
) -> None:
    who = customer(client)
    subscribe(client, who, "av1-year-usd")
    clock.advance(timedelta(days=2))
    later = subscribe(client, who, "av1-year-usd")
    assert "duplicates_refunded" not in one_pass(database, runtime, SmtpSender(runtime.settings))
    assert count(database, Refund) == 0
    assert row(database, later["id"]).status == "active"
    with database.transaction() as session:
        (listed,) = find_duplicates(Work(session, runtime))
    assert str(listed.payment.subscription_id) == later["id"]
