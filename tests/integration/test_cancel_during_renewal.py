"""Acceptance: a cancellation racing a renewal of the same subscription never leaves a charge
after its confirmation: the renewal either wins first (and is refunded per policy) or never
happens."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from subdesk.billing.gateway import Charge
from subdesk.clock import TestClock
from subdesk.context import Runtime
from subdesk.db import Database
from subdesk.models import AuditEvent, Payment
from subdesk.money import Money
from subdesk.worker.renewals import run_pass
from tests.factories import customer, subscribe


class HeldGateway:
    """Delegates to the sandbox, but holds every charge until released."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner
        self.entered = threading.Event()
        self.release = threading.Event()

    def charge(
        self, token: str, amount: Money, idempotency_key: str, *, reference: str | None = None
    ) -> Charge:
        self.entered.set()
        assert self.release.wait(30)
        result: Charge = self._inner.charge(token, amount, idempotency_key, reference=reference)
        return result

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


def test_a_cancellation_commits_while_the_charge_is_in_flight_and_its_charge_is_refunded(
    client: TestClient, clock: TestClock, database: Database, runtime: Runtime
) -> None:
    alice = customer(client)
    sub = subscribe(client, alice, "av1-year-usd")
    clock.advance(timedelta(days=366))
    held = HeldGateway(runtime.gateway)
    worker_runtime = Runtime(runtime.settings, runtime.clock, held, runtime.signer)  # type: ignore[arg-type]
    outcomes: list[Counter[str]] = []
    worker = threading.Thread(target=lambda: outcomes.append(run_pass(database, worker_runtime)))
    worker.start()
    assert held.entered.wait(10), "the renewal never reached the processor"

    # The processor holds the charge; no transaction is open and no row locked meanwhile,
    # so the customer's cancellation goes through at once.
    answer = client.post(
        f"/api/v1/subscriptions/{sub['id']}/cancel", json={"when": "now"}, headers=alice.headers
    )
    assert answer.status_code == 200
    assert not held.release.is_set()
    held.release.set()
    worker.join(10)

    # The charge came back after the cancellation: recorded, and refunded in full at once.
    assert outcomes == [Counter(refunded_unwanted=1)]
    with database.transaction() as session:
        order = [e.action for e in session.scalars(select(AuditEvent).order_by(AuditEvent.id))]
        renewals = list(session.scalars(select(Payment).where(Payment.kind == "renewal")))
    assert "subscription.renewed" not in order
    after_cancel = order[order.index("subscription.canceled_now") + 1 :]
    assert after_cancel[:3] == ["payment.captured", "refund.created", "refund.succeeded"]
    assert len(renewals) == 1
    assert renewals[0].refunded_minor == renewals[0].amount_minor
    assert runtime.gateway.refunded_total(renewals[0].gateway_charge_id) == 4999  # type: ignore[attr-defined]


def test_cancellation_first_means_the_renewal_never_charges(
    client: TestClient, clock: TestClock, database: Database, runtime: Runtime
) -> None:
    alice = customer(client)
    sub = subscribe(client, alice, "av1-year-usd")
    clock.advance(timedelta(days=366))
    client.post(
        f"/api/v1/subscriptions/{sub['id']}/cancel", json={"when": "now"}, headers=alice.headers
    )
    assert run_pass(database, runtime) == Counter()
    with database.transaction() as session:
        assert list(session.scalars(select(Payment).where(Payment.kind == "renewal"))) == []
