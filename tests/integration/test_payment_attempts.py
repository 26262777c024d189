"""Acceptance (issue 13): money moves through the processor with no transaction open, every
charge and refund is an attempt committed first, and a lost answer is reconciled by the
attempt's reference, never guessed and never charged twice."""

from __future__ import annotations

import contextlib
import threading
import uuid
from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from subdesk.billing import charge_attempts, ledger, refund_attempts
from subdesk.billing.gateway import Charge, GatewayUnavailable, RefundReceipt
from subdesk.billing.sandbox import SandboxGateway
from subdesk.clock import TestClock
from subdesk.context import Runtime, Work
from subdesk.db import Database
from subdesk.errors import Conflict
from subdesk.models import Payment, PaymentAttempt, Refund
from subdesk.money import Money
from subdesk.worker import renewals
from subdesk.worker.renewals import run_pass
from tests.factories import add_card, customer, subscribe
from tests.integration.gateways import processor


class WatchedGateway:
    """The sandbox, with a hook before each charge and refund reaches it (and after)."""

    def __init__(self, inner: SandboxGateway) -> None:
        self.inner = inner
        self.before: Callable[[str], None] = lambda _what: None
        self.after_charge: Callable[[Charge], None] = lambda _charge: None
        self.charges = 0

    def charge(
        self, token: str, amount: Money, idempotency_key: str, *, reference: str | None = None
    ) -> Charge:
        self.before("charge")
        self.charges += 1
        charge = self.inner.charge(token, amount, idempotency_key, reference=reference)
        self.after_charge(charge)
        return charge

    def refund(
        self, charge_id: str, amount: Money, idempotency_key: str, *, reference: str | None = None
    ) -> RefundReceipt:
        self.before("refund")
        return self.inner.refund(charge_id, amount, idempotency_key, reference=reference)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


def watched(runtime: Runtime) -> tuple[Runtime, WatchedGateway]:
    gateway = WatchedGateway(runtime.gateway)  # type: ignore[arg-type]
    return Runtime(runtime.settings, runtime.clock, gateway, runtime.signer), gateway  # type: ignore[arg-type]


def renewal_payments(database: Database) -> list[Payment]:
    with database.transaction() as session:
        return list(session.scalars(select(Payment).where(Payment.kind == "renewal")))


def lost_answer(_charge: Charge) -> None:
    raise GatewayUnavailable("The processor timed out after charging.")


def test_no_connection_is_held_while_the_processor_is_called(
    client: TestClient, clock: TestClock, database: Database, runtime: Runtime
) -> None:
    buyer = customer(client)
    subs = [
        subscribe(client, buyer, "av1-month-usd", confirm_second_purchase=True) for _ in range(3)
    ]
    clock.advance(timedelta(days=31))
    worker_runtime, gateway = watched(runtime)
    held: list[tuple[str, int]] = []
    gateway.before = lambda what: held.append((what, database.engine.pool.checkedout()))  # type: ignore[attr-defined]

    assert run_pass(database, worker_runtime) == Counter(renewed=3)
    with database.transaction() as session:
        payment = session.scalars(select(Payment).where(Payment.kind == "renewal")).first()
        assert payment is not None
        ledger.refund(
            Work(session, worker_runtime), payment, 100, reason="goodwill", idempotency_key="r-1"
        )
    assert held == [("charge", 0)] * 3 + [("refund", 0)]
    assert len(subs) == len(renewal_payments(database))


def test_an_answer_lost_after_charging_is_found_by_reference_though_the_key_is_forgotten(
    client: TestClient, clock: TestClock, database: Database, runtime: Runtime
) -> None:
    buyer = customer(client)
    subscribe(client, buyer, "av1-month-usd")
    clock.advance(timedelta(days=31))
    worker_runtime, gateway = watched(runtime)
    gateway.after_charge = lost_answer

    assert run_pass(database, worker_runtime) == Counter(unknown=1, awaiting_reconciliation=1)
    assert renewal_payments(database) == []
    gateway.inner.ledger.forget_keys()  # more than a day later, as Stripe does
    gateway.after_charge = lambda _charge: None

    # Within its lease the processor may still be carrying the call out: nothing is concluded.
    assert run_pass(database, worker_runtime) == Counter()
    clock.advance(charge_attempts.LEASE)
    # Asked again with the same key, a forgetful processor would charge twice; the
    # reconciler looks the attempt up by its reference instead, and renews with that charge.
    assert run_pass(database, worker_runtime) == Counter(reconciled_renewed=1)
    (payment,) = renewal_payments(database)
    assert gateway.charges == 1  # the reconciler asked no second charge
    with database.transaction() as session:
        query = select(PaymentAttempt).where(PaymentAttempt.kind == "renewal")
        attempt = session.scalars(query).one()
    assert (attempt.state, attempt.gateway_charge_id) == ("succeeded", payment.gateway_charge_id)


class WorkerDied(BaseException):
    """Stands for SIGKILL: nothing of the process runs after it."""


def test_a_worker_dying_after_the_answers_leaves_attempts_the_reconciler_settles(
    client: TestClient,
    clock: TestClock,
    database: Database,
    runtime: Runtime,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    buyer = customer(client)
    subs = [
        subscribe(client, buyer, "av1-year-usd", confirm_second_purchase=True) for _ in range(4)
    ]
    clock.advance(timedelta(days=366))

    def die(*_args: object, **_kwargs: object) -> Counter[str]:
        raise WorkerDied

    monkeypatch.setattr(renewals, "_record", die)
    with pytest.raises(WorkerDied):
        run_pass(database, runtime)
    monkeypatch.undo()
    assert runtime.gateway.ledger.captures() == 4 + 4  # type: ignore[attr-defined]
    assert renewal_payments(database) == []
    # Two customers cancel meanwhile (their renewals' answers never reached subdesk).
    for sub in subs[:2]:
        answer = client.post(
            f"/api/v1/subscriptions/{sub['id']}/cancel", json={"when": "now"}, headers=buyer.headers
        )
        assert answer.status_code == 200

    assert run_pass(database, runtime) == Counter()  # held by the dead worker's lease
    clock.advance(charge_attempts.LEASE)
    assert run_pass(database, runtime) == Counter(
        reconciled_renewed=2, reconciled_refunded_unwanted=2
    )
    payments = renewal_payments(database)
    assert len(payments) == 4  # every captured charge is known to subdesk
    canceled = {uuid.UUID(sub["id"]) for sub in subs[:2]}
    for payment in payments:
        refunded = payment.amount_minor if payment.subscription_id in canceled else 0
        assert payment.refunded_minor == refunded
        assert runtime.gateway.refunded_total(payment.gateway_charge_id) == refunded  # type: ignore[attr-defined]
    assert run_pass(database, runtime) == Counter()


def test_a_worker_killed_while_reconciling_keeps_what_it_had_learned(
    client: TestClient,
    clock: TestClock,
    database: Database,
    runtime: Runtime,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    buyer = customer(client)
    for _ in range(4):
        subscribe(client, buyer, "av1-year-usd", confirm_second_purchase=True)
    clock.advance(timedelta(days=366))

    def die(*_args: object, **_kwargs: object) -> Counter[str]:
        raise WorkerDied

    monkeypatch.setattr(renewals, "_record", die)
    with pytest.raises(WorkerDied):
        run_pass(database, runtime)
    monkeypatch.undo()
    clock.advance(charge_attempts.LEASE)
    gateway: SandboxGateway = runtime.gateway  # type: ignore[assignment]
    looked_up: list[str] = []

    def find_then_die(reference: str) -> object:
        looked_up.append(reference)
        if len(looked_up) > 2:
            raise WorkerDied  # killed while asking about the second chunk
        return SandboxGateway.find_charge(gateway, reference)

    monkeypatch.setattr(gateway, "find_charge", find_then_die)
    with pytest.raises(WorkerDied):
        renewals.reconcile_charges(database, runtime, chunk=2)
    monkeypatch.undo()
    # The first chunk's answers were recorded before the second was asked about.
    assert len(renewal_payments(database)) == 2
    assert run_pass(database, runtime) == Counter(reconciled_renewed=2)
    assert len(renewal_payments(database)) == 4
    assert gateway.ledger.captures() == 4 + 4


def test_parallel_refunds_of_one_payment_never_exceed_it_and_match_the_processor(
    client: TestClient, clock: TestClock, database: Database, runtime: Runtime
) -> None:
    buyer = customer(client)
    sub = subscribe(client, buyer, "av1-year-usd")
    with database.transaction() as session:
        payment_id, captured = session.execute(select(Payment.id, Payment.amount_minor)).one()
    fits = captured // 700
    outcomes: list[str] = []

    def refund_some(index: int) -> None:
        with database.transaction() as session:
            payment = session.get_one(Payment, payment_id)
            try:
                ledger.refund(
                    Work(session, runtime), payment, 700, reason="goodwill",
                    idempotency_key=f"agent:{index}",
                )  # fmt: skip
            except Conflict:
                outcomes.append("refused")
                raise
        outcomes.append("refunded")

    threads = [threading.Thread(target=_quietly(refund_some), args=(i,)) for i in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert Counter(outcomes) == Counter(refunded=fits, refused=20 - fits)
    with database.transaction() as session:
        payment = session.get_one(Payment, payment_id)
        succeeded = session.scalar(
            select(func.sum(Refund.amount_minor)).where(Refund.status == "succeeded")
        )
    assert payment.refunded_minor == succeeded == fits * 700
    assert runtime.gateway.refunded_total(payment.gateway_charge_id) == fits * 700  # type: ignore[attr-defined]
    # The customer can still cancel now (inside the guarantee): what is left comes back.
    answer = client.post(
        f"/api/v1/subscriptions/{sub['id']}/cancel", json={"when": "now"}, headers=buyer.headers
    )
    assert answer.status_code == 200
    assert answer.json()["refund"]["amount"] == captured - fits * 700


def _quietly(target: Callable[[int], None]) -> Callable[[int], None]:
    def run(index: int) -> None:
        with contextlib.suppress(Conflict):
            target(index)

    return run


def test_a_refund_whose_answer_was_lost_is_finished_by_the_worker_once(
    client: TestClient, clock: TestClock, database: Database, runtime: Runtime
) -> None:
    buyer = customer(client)
    sub = subscribe(client, buyer, "av1-year-usd")
    app_gateway: SandboxGateway = runtime.gateway  # type: ignore[assignment]
    worker_runtime, gateway = watched(runtime)

    def unreachable(what: str) -> None:
        raise GatewayUnavailable("no answer")

    gateway.before = unreachable
    with processor(runtime, gateway):
        answer = client.post(
            f"/api/v1/subscriptions/{sub['id']}/cancel", json={"when": "now"}, headers=buyer.headers
        )
    assert answer.status_code == 200
    cancellation = answer.json()
    captured = cancellation["refund"]["amount"]
    assert captured > 0
    with database.transaction() as session:
        assert session.scalars(select(Refund.status)).all() == ["pending"]

    # The customer asks again: the same cancellation, and no second refund.
    again = client.post(
        f"/api/v1/subscriptions/{sub['id']}/cancel", json={"when": "now"}, headers=buyer.headers
    )
    assert again.json()["id"] == cancellation["id"]
    assert refund_attempts.reconcile_refunds(database, worker_runtime) == 0  # still in flight
    clock.advance(refund_attempts.IN_FLIGHT)
    gateway.before = lambda _what: None
    assert refund_attempts.reconcile_refunds(database, worker_runtime) == 1
    with database.transaction() as session:
        refund = session.scalars(select(Refund)).one()
        payment = session.get_one(Payment, refund.payment_id)
    assert (refund.status, payment.refunded_minor) == ("succeeded", captured)
    assert app_gateway.refunded_total(payment.gateway_charge_id) == captured
    assert refund_attempts.reconcile_refunds(database, worker_runtime) == 0


class HeldBeforeProcessor(WatchedGateway):
    """Holds charges before they reach the processor, until released."""

    def __init__(self, inner: SandboxGateway) -> None:
        super().__init__(inner)
        self.entered = threading.Event()
        self.release = threading.Event()

        def hold(what: str) -> None:
            if what == "charge":
                self.entered.set()
                assert self.release.wait(30)  # noqa: S101 - a test double

        self.before = hold


def test_an_answer_arriving_after_its_attempt_was_taken_for_lost_is_refunded(
    client: TestClient, clock: TestClock, database: Database, runtime: Runtime
) -> None:
    buyer = customer(client)
    subscribe(client, buyer, "av1-month-usd")
    clock.advance(timedelta(days=31))
    held = HeldBeforeProcessor(runtime.gateway)  # type: ignore[arg-type]
    slow_runtime = Runtime(runtime.settings, runtime.clock, held, runtime.signer)  # type: ignore[arg-type]
    outcomes: list[Counter[str]] = []
    slow = threading.Thread(target=lambda: outcomes.append(run_pass(database, slow_runtime)))
    slow.start()
    assert held.entered.wait(10)

    # The call outlives its lease: the reconciler finds nothing at the processor, and the
    # period is charged by a new attempt.
    clock.advance(charge_attempts.LEASE)
    assert run_pass(database, runtime) == Counter(reconciled_not_received=1, renewed=1)
    held.release.set()
    slow.join(10)
    assert outcomes == [Counter(refunded_late=1)]
    payments = renewal_payments(database)
    assert sorted(p.refunded_minor == p.amount_minor for p in payments) == [False, True]
    assert run_pass(database, runtime) == Counter()


class WatchedTokens(WatchedGateway):
    """Notes how many database connections are checked out when a card is tokenized."""

    def __init__(self, inner: SandboxGateway, database: Database) -> None:
        super().__init__(inner)
        self.database = database
        self.held: list[int] = []

    def tokenize_card(self, number: str, exp_month: int, exp_year: int, cvc: str) -> Any:
        self.held.append(self.database.engine.pool.checkedout())  # type: ignore[attr-defined]
        return self.inner.tokenize_card(number, exp_month, exp_year, cvc)


def test_cards_are_tokenized_with_no_transaction_open(
    client: TestClient, database: Database, runtime: Runtime
) -> None:
    buyer = customer(client)  # its card is added through the API
    watched = WatchedTokens(runtime.gateway, database)  # type: ignore[arg-type]
    with processor(runtime, watched):
        body = {"card_number": "5555555555554444", "exp_month": 12, "exp_year": 2031, "cvc": "123"}
        added = client.post("/api/v1/payment-methods", json=body, headers=buyer.headers)
        refused = client.post("/api/v1/payment-methods", json=body)  # not signed in
    assert (added.status_code, refused.status_code) == (201, 401)
    assert watched.held == [0]  # once, for the signed-in customer, with nothing checked out


def test_a_new_card_during_grace_is_charged_at_once_with_no_transaction_open(
    client: TestClient, clock: TestClock, database: Database, runtime: Runtime
) -> None:
    buyer = customer(client)
    bought = subscribe(client, buyer, "av1-month-usd")["id"]
    declining = add_card(client, buyer.headers, "4000000000000341")  # every charge declined
    moved = client.put(
        f"/api/v1/subscriptions/{bought}/payment-method",
        json={"payment_method_id": declining},
        headers=buyer.headers,
    )
    assert moved.status_code == 200
    good = add_card(client, buyer.headers)
    clock.advance(timedelta(days=31))
    assert run_pass(database, runtime) == Counter(payment_failed=1)
    watched = WatchedGateway(runtime.gateway)  # type: ignore[arg-type]
    held: list[int] = []
    watched.before = lambda _what: held.append(database.engine.pool.checkedout())  # type: ignore[attr-defined]
    with processor(runtime, watched):
        answer = client.put(
            f"/api/v1/subscriptions/{bought}/payment-method",
            json={"payment_method_id": good},
            headers=buyer.headers,
        )
    assert (answer.status_code, answer.json()["status"]) == (200, "active")
    assert held == [0]
