"""The renewal worker: renewals once per period, dunning, ends of term, parallel workers."""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from subdesk.clock import TestClock
from subdesk.context import Runtime
from subdesk.db import Database
from subdesk.models import Payment, Subscription
from subdesk.worker.renewals import run_pass
from tests.factories import Customer, add_card, customer, set_auto_renew, subscribe

DECLINES_ALWAYS = "4000000000000341"
EXPIRED_CARD = "4000000000000069"


def get(client: TestClient, who: Customer, sub: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = client.get(
        f"/api/v1/subscriptions/{sub['id']}", headers=who.headers
    ).json()
    return result


def days(clock: TestClock, database: Database, runtime: Runtime, count: int) -> Counter[str]:
    """Let `count` days pass, the worker running once a day."""
    total: Counter[str] = Counter()
    for _ in range(count):
        clock.advance(timedelta(days=1))
        total.update(run_pass(database, runtime))
    return total


def pay_with(database: Database, sub: dict[str, Any], card_id: str) -> None:
    with database.transaction() as session:
        row = session.get(Subscription, uuid.UUID(sub["id"]))
        assert row is not None
        row.payment_method_id = uuid.UUID(card_id)


def renewal_charges(database: Database) -> list[int]:
    with database.transaction() as session:
        query = select(Payment.period_number).where(Payment.kind == "renewal")
        return sorted(session.scalars(query))


def test_monthly_subscription_renews_twelve_times_in_a_year(
    client: TestClient, clock: TestClock, database: Database, runtime: Runtime
) -> None:
    alice = customer(client)
    sub = subscribe(client, alice, "av1-month-usd")
    outcomes = days(clock, database, runtime, 365)
    assert outcomes["renewed"] == 12
    assert renewal_charges(database) == list(range(2, 14))
    invoices = client.get("/api/v1/invoices", headers=alice.headers).json()
    assert len(invoices) == 13  # the first charge and twelve renewals
    assert len({i["number"] for i in invoices}) == 13
    assert get(client, alice, sub)["current_period_end"].startswith("2027-02-15T10:00:00")


def test_declined_renewal_is_retried_after_1_3_and_7_days_then_expires(
    client: TestClient, clock: TestClock, database: Database, runtime: Runtime
) -> None:
    alice = customer(client)
    sub = subscribe(client, alice, "av1-month-usd")
    pay_with(database, sub, add_card(client, alice.headers, DECLINES_ALWAYS))
    clock.advance(timedelta(days=31))  # 15 February 10:00, the renewal date
    assert run_pass(database, runtime) == Counter(payment_failed=1)
    after = get(client, alice, sub)
    assert after["status"] == "past_due"
    assert after["protected"] is True
    attempts = [run_pass(database, runtime)["payment_failed"]]
    for day in range(1, 8):
        clock.set(clock.now().replace(day=15 + day, hour=10))
        attempts.append(run_pass(database, runtime)["payment_failed"])
    # Retries on the 16th, 18th and 22nd; nothing on the other days.
    assert attempts == [0, 1, 0, 1, 0, 0, 0, 1]
    ended = get(client, alice, sub)
    assert ended["status"] == "expired"
    assert ended["protected"] is False
    assert renewal_charges(database) == []


def test_hard_decline_is_not_retried_and_expires_when_grace_ends(
    client: TestClient, clock: TestClock, database: Database, runtime: Runtime
) -> None:
    alice = customer(client)
    sub = subscribe(client, alice, "av1-month-usd")
    pay_with(database, sub, add_card(client, alice.headers, EXPIRED_CARD))
    clock.advance(timedelta(days=31))
    run_pass(database, runtime)
    outcomes = days(clock, database, runtime, 6)
    assert outcomes["payment_failed"] == 0
    assert get(client, alice, sub)["status"] == "past_due"
    days(clock, database, runtime, 1)
    assert get(client, alice, sub)["status"] == "expired"


def test_new_card_during_grace_renews_at_once(
    client: TestClient, clock: TestClock, database: Database, runtime: Runtime
) -> None:
    alice = customer(client)
    sub = subscribe(client, alice, "av1-month-usd")
    pay_with(database, sub, add_card(client, alice.headers, DECLINES_ALWAYS))
    clock.advance(timedelta(days=31))
    run_pass(database, runtime)
    clock.advance(timedelta(hours=5))
    good = add_card(client, alice.headers)
    response = client.put(
        f"/api/v1/subscriptions/{sub['id']}/payment-method",
        json={"payment_method_id": good},
        headers=alice.headers,
    )
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "active"
    assert response.json()["current_period_end"].startswith("2026-03-15T10:00:00")
    assert renewal_charges(database) == [2]


def test_cancel_during_grace_stops_every_retry(
    client: TestClient, clock: TestClock, database: Database, runtime: Runtime
) -> None:
    alice = customer(client)
    sub = subscribe(client, alice, "av1-month-usd")
    pay_with(database, sub, add_card(client, alice.headers, DECLINES_ALWAYS))
    clock.advance(timedelta(days=31))
    run_pass(database, runtime)
    cancel = client.post(
        f"/api/v1/subscriptions/{sub['id']}/cancel",
        json={"when": "period_end"},
        headers=alice.headers,
    )
    assert cancel.status_code == 200
    assert get(client, alice, sub)["status"] == "canceled"
    outcomes = days(clock, database, runtime, 10)
    assert outcomes == Counter()


def test_period_end_cancellation_ends_at_the_period_end(
    client: TestClient, clock: TestClock, database: Database, runtime: Runtime
) -> None:
    alice = customer(client)
    sub = subscribe(client, alice, "av1-month-usd")
    client.post(
        f"/api/v1/subscriptions/{sub['id']}/cancel",
        json={"when": "period_end"},
        headers=alice.headers,
    )
    days(clock, database, runtime, 30)
    assert get(client, alice, sub)["protected"] is True
    assert days(clock, database, runtime, 1) == Counter(ended=1)
    ended = get(client, alice, sub)
    assert (ended["status"], ended["protected"]) == ("canceled", False)
    assert renewal_charges(database) == []


def test_auto_renew_off_expires_at_the_period_end(
    client: TestClient, clock: TestClock, database: Database, runtime: Runtime
) -> None:
    alice = customer(client)
    sub = subscribe(client, alice, "av1-month-usd")
    set_auto_renew(client, alice, sub["id"], False)
    days(clock, database, runtime, 31)
    assert get(client, alice, sub)["status"] == "expired"
    assert renewal_charges(database) == []


def test_trial_converts_to_paid_at_its_end(
    client: TestClient, clock: TestClock, database: Database, runtime: Runtime
) -> None:
    carol = customer(client)
    sub = subscribe(client, carol, "total5-month-usd")
    assert days(clock, database, runtime, 30) == Counter(renewed=1)
    after = get(client, carol, sub)
    assert after["status"] == "active"
    invoices = client.get("/api/v1/invoices", headers=carol.headers).json()
    assert [i["amount"]["amount"] for i in invoices] == [1499]


def test_trial_with_auto_renew_off_ends_without_a_charge(
    client: TestClient, clock: TestClock, database: Database, runtime: Runtime
) -> None:
    carol = customer(client)
    sub = subscribe(client, carol, "total5-month-usd")
    set_auto_renew(client, carol, sub["id"], False)
    days(clock, database, runtime, 30)
    assert get(client, carol, sub)["status"] == "expired"
    assert client.get("/api/v1/invoices", headers=carol.headers).json() == []


@pytest.mark.parametrize("workers", [4])
def test_parallel_workers_charge_each_period_exactly_once(
    client: TestClient, clock: TestClock, database: Database, runtime: Runtime, workers: int
) -> None:
    buyers = [customer(client) for _ in range(20)]
    for buyer in buyers:
        for _ in range(3):
            subscribe(client, buyer, "av1-month-usd", confirm_second_purchase=True)
    clock.advance(timedelta(days=31))
    results: list[Counter[str]] = []
    start = threading.Barrier(workers)

    def work() -> None:
        start.wait()
        results.append(run_pass(database, runtime, batch_size=7))

    threads = [threading.Thread(target=work) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(r["renewed"] for r in results) == 60
    with database.transaction() as session:
        per_period = session.execute(
            select(Payment.subscription_id, Payment.period_number, func.count()).group_by(
                Payment.subscription_id, Payment.period_number
            )
        ).all()
    assert len(per_period) == 120
    assert {n for *_, n in per_period} == {1}


def test_a_batch_holds_only_a_few_subscriptions_locked_at_a_time(
    client: TestClient,
    clock: TestClock,
    database: Database,
    runtime: Runtime,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A customer's cancellation waits at most for the few rows the worker holds while it
    records answers, not for a whole batch: 17 renewals claimed in one batch are recorded 4
    at a time, and every one is renewed once."""
    from subdesk.worker import claims

    for _ in range(17):
        subscribe(client, customer(client), "av1-month-usd")
    held: list[int] = []
    original = claims.lock

    def counting(*args: Any, **kwargs: Any) -> Any:
        claim = original(*args, **kwargs)
        held.append(len(claim.rows))
        return claim

    monkeypatch.setattr(claims, "lock", counting)
    monkeypatch.setattr(runtime.settings, "worker_lock_size", 4)
    clock.advance(timedelta(days=31))
    assert run_pass(database, runtime, batch_size=500)["renewed"] == 17
    assert held == [4, 4, 4, 4, 1]
    assert count_payments(database) == 34


def count_payments(database: Database) -> int:
    with database.reading() as session:
        return int(session.scalar(select(func.count()).select_from(Payment)) or 0)


def test_one_broken_subscription_does_not_stop_the_others(
    client: TestClient,
    clock: TestClock,
    database: Database,
    runtime: Runtime,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from subdesk.worker import renewals

    buyer = customer(client)
    subs = [
        subscribe(client, buyer, "av1-month-usd", confirm_second_purchase=True) for _ in range(5)
    ]
    broken = uuid.UUID(subs[2]["id"])
    real_renew = renewals.renew

    def renew_unless_broken(work: Any, subscription: Subscription) -> Any:
        if subscription.id == broken:
            raise RuntimeError("corrupt row")
        return real_renew(work, subscription)

    monkeypatch.setattr(renewals, "renew", renew_unless_broken)
    clock.advance(timedelta(days=31))
    assert run_pass(database, runtime) == Counter(renewed=4, error=1)
    assert renewal_charges(database) == [2, 2, 2, 2]
    with database.transaction() as session:
        row = session.get(Subscription, broken)
        assert row is not None
        assert row.next_action_at == clock.now() + renewals.BACKOFF

    # The batch asked the processor for all five charges at once, the broken one's too, and
    # its answer was lost with its savepoint: once repaired, the reconciler finds that
    # charge by its attempt and renews with it: its period is captured once.
    monkeypatch.setattr(renewals, "renew", real_renew)
    clock.advance(renewals.BACKOFF)
    assert run_pass(database, runtime) == Counter(reconciled_renewed=1)
    assert renewal_charges(database) == [2, 2, 2, 2, 2]
    assert runtime.gateway.ledger.captures() == 5 + 5  # type: ignore[attr-defined]
