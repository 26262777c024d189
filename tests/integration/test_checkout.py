"""Acceptance (issue 13): a purchase is an attempt committed before its first charge, asked with
no transaction open; repeats, parallel duplicates, lost answers and a dead server never charge
twice and never leave a charge subdesk does not know of."""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from subdesk.billing import charge_attempts
from subdesk.billing.gateway import Charge, GatewayUnavailable
from subdesk.billing.sandbox import SandboxGateway
from subdesk.clock import TestClock
from subdesk.context import Runtime
from subdesk.db import Database
from subdesk.models import Payment, PaymentAttempt, Subscription
from subdesk.money import Money
from subdesk.subscriptions import checkout
from tests.factories import Customer, customer, plan_id
from tests.integration.gateways import processor


def order(client: TestClient, who: Customer) -> dict[str, Any]:
    return {
        "plan_id": plan_id(client, "av1-year-usd"),
        "payment_method_id": who.card_id,
        "auto_renew_consent": True,
    }


def count(database: Database, model: type[Any]) -> int:
    with database.transaction() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def captures(runtime: Runtime) -> int:
    gateway: SandboxGateway = runtime.gateway  # type: ignore[assignment]
    return gateway.ledger.captures()


def test_twenty_parallel_purchases_with_one_key_charge_once_and_answer_alike(
    client: TestClient, database: Database, runtime: Runtime
) -> None:
    buyer = customer(client)
    headers = {**buyer.headers, "Idempotency-Key": "buy-once"}
    answers: list[Any] = []
    start = threading.Barrier(20)

    def buy() -> None:
        start.wait()
        answers.append(
            client.post("/api/v1/subscriptions", json=order(client, buyer), headers=headers)
        )

    threads = [threading.Thread(target=buy) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    statuses = Counter(answer.status_code for answer in answers)
    assert set(statuses) <= {201, 409}, statuses
    bodies = {answer.text for answer in answers if answer.status_code == 201}
    assert len(bodies) == 1
    assert {a.json()["error"]["code"] for a in answers if a.status_code == 409} <= {
        "purchase_in_progress"
    }
    assert (count(database, Subscription), count(database, Payment), captures(runtime)) == (1, 1, 1)
    again = client.post("/api/v1/subscriptions", json=order(client, buyer), headers=headers)
    assert (again.status_code, again.text) == (201, bodies.pop())


def test_a_purchase_sent_twice_without_a_key_is_one_purchase(
    client: TestClient, database: Database, runtime: Runtime
) -> None:
    buyer = customer(client)
    first = client.post("/api/v1/subscriptions", json=order(client, buyer), headers=buyer.headers)
    second = client.post("/api/v1/subscriptions", json=order(client, buyer), headers=buyer.headers)
    assert (first.status_code, second.status_code) == (201, 201)
    assert first.json() == second.json()
    assert (count(database, Subscription), captures(runtime)) == (1, 1)


class Forgetful:
    """The sandbox, whose answers to charges can be lost on the way back."""

    def __init__(self, inner: SandboxGateway) -> None:
        self.inner = inner
        self.lose = True

    def charge(
        self, token: str, amount: Money, idempotency_key: str, *, reference: str | None = None
    ) -> Charge:
        charge = self.inner.charge(token, amount, idempotency_key, reference=reference)
        if self.lose:
            raise GatewayUnavailable("The processor timed out after charging.")
        return charge

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


def test_a_purchase_whose_answer_was_lost_is_finished_by_its_retry_without_a_second_charge(
    client: TestClient, database: Database, runtime: Runtime
) -> None:
    buyer = customer(client)
    headers = {**buyer.headers, "Idempotency-Key": "lost-answer"}
    forgetful = Forgetful(runtime.gateway)  # type: ignore[arg-type]
    with processor(runtime, forgetful):
        pending = client.post("/api/v1/subscriptions", json=order(client, buyer), headers=headers)
        assert pending.status_code == 503
        assert pending.json()["error"]["code"] == "payment_pending"
        assert (count(database, Subscription), captures(runtime)) == (0, 1)
        forgetful.inner.ledger.forget_keys()
        retried = client.post("/api/v1/subscriptions", json=order(client, buyer), headers=headers)
    assert retried.status_code == 201
    with database.transaction() as session:
        (payment,) = session.scalars(select(Payment)).all()
        attempt = session.scalars(select(PaymentAttempt)).one()
    assert (attempt.state, attempt.subscription_id) == ("succeeded", payment.subscription_id)
    assert str(payment.subscription_id) == retried.json()["id"]


class ServerDied(Exception):
    """Stands for SIGKILL of the API process after the processor charged."""


def test_a_purchase_whose_server_died_after_the_charge_is_finished_by_the_worker(
    client: TestClient,
    clock: TestClock,
    database: Database,
    runtime: Runtime,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    buyer = customer(client)
    headers = {**buyer.headers, "Idempotency-Key": "server-died"}

    def die(*_args: object) -> None:
        raise ServerDied

    monkeypatch.setattr(checkout, "complete", die)
    with pytest.raises(ServerDied):
        client.post("/api/v1/subscriptions", json=order(client, buyer), headers=headers)
    monkeypatch.undo()
    assert (count(database, Subscription), captures(runtime)) == (0, 1)
    # Before its lease runs out, a retry is told to wait; the worker leaves it alone.
    early = client.post("/api/v1/subscriptions", json=order(client, buyer), headers=headers)
    assert early.status_code == 409
    assert checkout.reconcile(database, runtime) == 0

    clock.advance(charge_attempts.LEASE)
    assert checkout.reconcile(database, runtime) == 1
    with database.transaction() as session:
        subscription = session.scalars(select(Subscription)).one()
        payment = session.scalars(select(Payment)).one()
    assert payment.subscription_id == subscription.id
    assert subscription.status == "active"
    replay = client.post("/api/v1/subscriptions", json=order(client, buyer), headers=headers)
    assert (replay.status_code, replay.json()["id"]) == (201, str(subscription.id))
    assert captures(runtime) == 1
    assert checkout.reconcile(database, runtime) == 0


class Unreachable(Forgetful):
    """The processor never receives the charge (the connection failed on the way there)."""

    def charge(
        self, token: str, amount: Money, idempotency_key: str, *, reference: str | None = None
    ) -> Charge:
        if self.lose:
            raise GatewayUnavailable("Connection refused.")
        return self.inner.charge(token, amount, idempotency_key, reference=reference)


def test_a_purchase_the_processor_never_got_is_only_retried_once_its_lease_is_over(
    client: TestClient, clock: TestClock, database: Database, runtime: Runtime
) -> None:
    buyer = customer(client)
    headers = {**buyer.headers, "Idempotency-Key": "never-arrived"}
    unreachable = Unreachable(runtime.gateway)  # type: ignore[arg-type]
    with processor(runtime, unreachable):
        first = client.post("/api/v1/subscriptions", json=order(client, buyer), headers=headers)
        # Moments later, finding nothing proves nothing: the call may still be under way.
        soon = client.post("/api/v1/subscriptions", json=order(client, buyer), headers=headers)
        unreachable.lose = False
        clock.advance(charge_attempts.LEASE)
        late = client.post("/api/v1/subscriptions", json=order(client, buyer), headers=headers)
        again = client.post("/api/v1/subscriptions", json=order(client, buyer), headers=headers)
    assert [r.status_code for r in (first, soon)] == [503, 503]
    assert (late.status_code, late.json()["error"]["code"]) == (402, "retry")
    assert again.status_code == 201
    assert (count(database, Subscription), captures(runtime)) == (1, 1)


class Checked(Forgetful):
    """The sandbox; notes the connections checked out at each charge, and can act meanwhile."""

    def __init__(self, inner: SandboxGateway, database: Database) -> None:
        super().__init__(inner)
        self.lose = False
        self.database = database
        self.held: list[int] = []
        self.meanwhile: Any = None

    def charge(
        self, token: str, amount: Money, idempotency_key: str, *, reference: str | None = None
    ) -> Charge:
        self.held.append(self.database.engine.pool.checkedout())  # type: ignore[attr-defined]
        if self.meanwhile is not None:
            self.meanwhile()
        return self.inner.charge(token, amount, idempotency_key, reference=reference)


def upgrade(client: TestClient, who: Customer, sub_id: str, key: str) -> Any:
    headers = {**who.headers, "Idempotency-Key": key}
    body = {"plan_id": plan_id(client, "suite3-year-usd")}
    return client.put(f"/api/v1/subscriptions/{sub_id}/plan", json=body, headers=headers)


def test_an_upgrade_is_charged_with_no_transaction_open(
    client: TestClient, clock: TestClock, database: Database, runtime: Runtime
) -> None:
    buyer = customer(client)
    sub = client.post("/api/v1/subscriptions", json=order(client, buyer), headers=buyer.headers)
    clock.advance(timedelta(days=100))
    checked = Checked(runtime.gateway, database)  # type: ignore[arg-type]
    with processor(runtime, checked):
        answer = upgrade(client, buyer, sub.json()["id"], "up-now")
    assert answer.status_code == 200, answer.text
    assert answer.json()["change"] == "upgrade_now"
    assert checked.held == [0]
    with database.transaction() as session:
        kinds = sorted(p.kind for p in session.scalars(select(Payment)))
    assert kinds == ["initial", "proration"]


def test_an_upgrade_canceled_while_it_is_charged_is_refunded_not_made(
    client: TestClient, clock: TestClock, database: Database, runtime: Runtime
) -> None:
    buyer = customer(client)
    sub = client.post("/api/v1/subscriptions", json=order(client, buyer), headers=buyer.headers)
    sid = sub.json()["id"]
    clock.advance(timedelta(days=100))
    checked = Checked(runtime.gateway, database)  # type: ignore[arg-type]

    def cancel() -> None:  # the customer cancels in another tab while the bank answers
        canceled = client.post(
            f"/api/v1/subscriptions/{sid}/cancel",
            json={"when": "now"},
            headers=buyer.headers,
        )
        assert canceled.status_code == 200

    checked.meanwhile = cancel
    with processor(runtime, checked):
        answer = upgrade(client, buyer, sid, "up-canceled")
    assert (answer.status_code, answer.json()["error"]["code"]) == (409, "plan_change_refunded")
    with database.transaction() as session:
        subscription = session.get_one(Subscription, uuid.UUID(sid))
        proration = session.scalars(select(Payment).where(Payment.kind == "proration")).one()
    assert subscription.plan_id != uuid.UUID(plan_id(client, "suite3-year-usd"))
    assert proration.refunded_minor == proration.amount_minor
    again = upgrade(client, buyer, sid, "up-canceled")
    assert (again.status_code, again.json()["error"]["code"]) == (409, "plan_change_refunded")
