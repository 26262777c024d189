"""Acceptance (issue 13): renewal workers SIGKILLed at random moments while they charge through
the HTTP sandbox processor (300 ms, 5 % of answers lost), restarted, while customers cancel —
every due period charged exactly once, none missed, none kept after a cancellation, and every
capture at the processor known to subdesk.

The workers run on the sandbox clock: after each round of kills (all workers dead) the test
moves it past the payment attempts' lease and the refunds' in-flight time, so the next round
reconciles what the killed ones left, as production would minutes later.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx2 as httpx
import pytest
from sqlalchemy import create_engine, func, select, text

from subdesk.app import build_runtime
from subdesk.audit.log import SYSTEM, Actor
from subdesk.billing import payment_methods
from subdesk.catalog.demo import seed_catalog
from subdesk.catalog.service import current_disclosure
from subdesk.clock import TestClock
from subdesk.config import Settings
from subdesk.context import Runtime, Work
from subdesk.db import Database
from subdesk.models import (
    Account,
    Base,
    CreditNote,
    Invoice,
    Payment,
    PaymentAttempt,
    Plan,
    Refund,
    Subscription,
)
from subdesk.sandbox_clock import SandboxClock, advance
from subdesk.subscriptions.cancellation import When, cancel
from subdesk.subscriptions.purchase import Purchase, subscribe
from tests.conftest import TEST_SIGNING_SEED

pytestmark = pytest.mark.postgres_only

ACCOUNTS = 110  # with 1, 2 or 3 subscriptions each (one card each): 202 subscriptions
WORKERS = 3
CHAOS_SECONDS = 40.0
CANCEL_SHARE = 0.25
# Past the payment attempts' lease (5 min) and the refunds' in-flight time (2 min).
PAST_LEASES = timedelta(minutes=6)
API_KEY = "sk_test_sigkill"
SUBDESK = shutil.which("subdesk", path=str(Path(sys.executable).parent)) or "subdesk"


@dataclass(frozen=True, slots=True)
class Owned:
    subscription_id: uuid.UUID
    account_id: uuid.UUID


@dataclass(frozen=True, slots=True)
class Canceled:
    """A cancellation the customer saw confirmed, and whether the renewal came before it."""

    when: When
    renewed_before: bool
    at: datetime


@pytest.fixture
def empty_postgres(postgres_migrated: str) -> str:
    tables = ", ".join(t.name for t in Base.metadata.sorted_tables)
    engine = create_engine(postgres_migrated)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} CASCADE"))
    engine.dispose()
    return postgres_migrated


class Processor:
    """`subdesk sandbox-processor` in its own process on a free loopback port."""

    def __init__(self, log: Path) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        command = [SUBDESK, "sandbox-processor", "--port", str(self.port)]
        self._log = log.open("w")
        self._process = subprocess.Popen(command, stdout=self._log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 20
        while True:
            try:
                self.control("stats")
                return
            except httpx.TransportError:
                if time.monotonic() > deadline or self._process.poll() is not None:
                    raise RuntimeError("the sandbox processor did not start") from None
                time.sleep(0.1)

    def control(self, path: str, body: dict[str, Any] | None = None) -> Any:
        with httpx.Client(base_url=self.url, timeout=30) as client:
            if body is None:
                response = client.get(f"/_sandbox/{path}")
            else:
                response = client.post(f"/_sandbox/{path}", json=body)
        response.raise_for_status()
        return response.json()

    def stop(self) -> None:
        self._process.terminate()
        self._process.wait(timeout=10)
        self._log.close()


@pytest.fixture
def processor(tmp_path: Path) -> Iterator[Processor]:
    server = Processor(tmp_path / "processor.log")
    yield server
    server.stop()


def _settings(url: str, processor: Processor) -> Settings:
    return Settings(
        database_url=url,
        signing_key=TEST_SIGNING_SEED,
        gateway="stripe",
        stripe_api_key=API_KEY,  # type: ignore[arg-type]
        stripe_api_base=processor.url,
        gateway_timeout_seconds=10,
        sandbox_ledger=None,
        smtp_port=9,  # nothing listens: emails wait in the outbox
    )


def _seed(settings: Settings) -> list[Owned]:
    """Customers who subscribed 32 days ago (all due now), with cards tokenized at the
    processor and first charges captured there; every third customer has three subscriptions
    on one card, every other one two."""
    runtime = build_runtime(settings, clock=TestClock(datetime.now(UTC) - timedelta(days=32)))
    database = Database(settings.database_url)
    owned: list[Owned] = []
    with database.transaction() as session:
        seed_catalog(Work(session, runtime))
    for number in range(ACCOUNTS):
        with database.transaction() as session:
            work = Work(session, runtime)
            account = Account(
                email=f"k{number}@example.com", country="US", region="CA", locale="en",
                created_at=work.now,
            )  # fmt: skip
            session.add(account)
            session.flush()
            as_customer = Work(session, runtime, Actor.customer(account.id))
            card = payment_methods.add_card(
                as_customer, account.id, number="4242424242424242", exp_month=12,
                exp_year=2040, cvc="123",
            )  # fmt: skip
            plan = session.scalars(select(Plan).where(Plan.code == "av1-month-usd")).one()
            version = current_disclosure(session, plan.id).version
            for copy in range(1 + (number % 3 == 0) + (number % 2 == 0)):
                order = Purchase(
                    plan.id, card.id, True, version, f"seed-{number}-{copy}",
                    confirm_second_purchase=copy > 0,
                )  # fmt: skip
                subscription = subscribe(as_customer, account.id, order)
                owned.append(Owned(subscription.id, account.id))
    database.dispose()
    return owned


def _worker_env(url: str, processor: Processor) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SUBDESK_")}
    return env | {
        "SUBDESK_DATABASE_URL": url,
        "SUBDESK_SIGNING_KEY": TEST_SIGNING_SEED,
        "SUBDESK_SANDBOX_CLOCK": "true",
        "SUBDESK_GATEWAY": "stripe",
        "SUBDESK_STRIPE_API_KEY": API_KEY,
        "SUBDESK_STRIPE_API_BASE": processor.url,
        "SUBDESK_GATEWAY_TIMEOUT_SECONDS": "1",
        "SUBDESK_PROCESSOR_CONCURRENCY": "64",
        # Paced (each worker on its own), so that the work outlasts several rounds of kills.
        "SUBDESK_PROCESSOR_REQUESTS_PER_SECOND": "20",
        # Small batches: commits come often, so kills land before, inside and between them.
        "SUBDESK_WORKER_BATCH_SIZE": "10",
        "SUBDESK_SMTP_PORT": "9",
    }


class Customers(threading.Thread):
    """Customers cancelling (now or at period end) while the workers renew, through the
    cancellation service in a transaction of their own, as the API would."""

    def __init__(self, runtime: Runtime, database: Database, chosen: list[Owned], seed: int):
        super().__init__(daemon=True)
        self.runtime, self.database, self.chosen = runtime, database, chosen
        self.rng = random.Random(seed)
        self.confirmed: dict[uuid.UUID, Canceled] = {}
        self.failures: list[BaseException] = []
        self.stop = threading.Event()

    def run(self) -> None:
        for owned in self.chosen:
            if self.stop.wait(self.rng.uniform(0.05, 0.3)):
                return
            when = self.rng.choice([When.NOW, When.PERIOD_END])
            try:
                self.confirmed[owned.subscription_id] = self._cancel(owned, when)
            except Exception as failure:  # reported by the test
                self.failures.append(failure)

    def _cancel(self, owned: Owned, when: When) -> Canceled:
        with self.database.transaction() as session:
            work = Work(session, self.runtime, Actor.customer(owned.account_id))
            cancel(work, owned.account_id, owned.subscription_id, when, "sigkill test")
            period = session.get_one(Subscription, owned.subscription_id).period_number
        return Canceled(when, period >= 2, work.now)


def _renewals(database: Database) -> int:
    with database.reading() as session:
        query = select(Payment.id).where(Payment.period_number == 2)
        return len(session.scalars(query).all())


def _chaos(env: dict[str, str], logs: Path, database: Database, seed: int) -> Counter[str]:
    """Rounds of workers started and SIGKILLed at random moments; between rounds (every
    worker dead) the sandbox clock moves past the leases."""
    rng = random.Random(seed)
    deadline = time.monotonic() + CHAOS_SECONDS
    seen: Counter[str] = Counter()
    while time.monotonic() < deadline:
        started = time.monotonic()
        workers = []
        for number in range(WORKERS):
            log = (logs / f"round{seen['rounds']}-worker{number}.log").open("w")
            command = [SUBDESK, "worker", "--poll", "0.2"]
            workers.append(subprocess.Popen(command, env=env, stdout=log, stderr=log))
            log.close()
        deaths = sorted(rng.uniform(2.0, 7.0) for _ in workers)
        before = _renewals(database)
        for worker, death in zip(workers, deaths, strict=True):
            time.sleep(max(0.0, started + death - time.monotonic()))
            worker.send_signal(signal.SIGKILL)
            worker.wait()
            seen["kills"] += 1
        if _renewals(database) > before:
            seen["rounds_renewing"] += 1
        seen["rounds"] += 1
        advance(database, PAST_LEASES, SYSTEM)
    return seen


def _settle(env: dict[str, str], database: Database) -> int:
    """Clean `worker --once` runs (clock moved past the leases before each) until nothing is
    open or due; returns how many it took."""
    for runs in range(1, 11):
        advance(database, PAST_LEASES, SYSTEM)
        done = subprocess.run(
            [SUBDESK, "worker", "--once"], env=env, capture_output=True, text=True, timeout=120
        )
        assert done.returncode == 0, done.stderr[-3000:]
        if _quiet(database):
            return runs
    raise AssertionError("the workers never settled everything")


def _quiet(database: Database) -> bool:
    now = SandboxClock(database).now()
    with database.reading() as session:
        open_attempts = session.scalars(
            select(PaymentAttempt.id).where(PaymentAttempt.state.in_(("pending", "unknown")))
        ).first()
        pending_refund = session.scalars(select(Refund.id).where(Refund.status == "pending"))
        due = session.scalars(select(Subscription.id).where(Subscription.next_action_at <= now))
        return open_attempts is None and pending_refund.first() is None and due.first() is None


def test_sigkilled_workers_against_the_http_processor_charge_each_period_once(
    empty_postgres: str, processor: Processor, tmp_path: Path
) -> None:
    seed = int(os.environ.get("SUBDESK_CRASH_SEED", time.time_ns() % 100_000))
    settings = _settings(empty_postgres, processor)
    began = time.monotonic()
    owned = _seed(settings)
    seeded = time.monotonic() - began
    processor.control(
        "config",
        {"latency_ms": 300, "jitter_ms": 30, "timeout_after_charge": 0.05,
         "withhold_seconds": 3, "seed": seed},
    )  # fmt: skip
    database = Database(empty_postgres)
    try:
        runtime = build_runtime(settings, clock=SandboxClock(database))
        chosen = random.Random(seed).sample(owned, int(len(owned) * CANCEL_SHARE))
        customers = Customers(runtime, database, chosen, seed)
        env = _worker_env(empty_postgres, processor)

        customers.start()
        seen = _chaos(env, tmp_path, database, seed)
        customers.stop.set()
        customers.join(timeout=30)
        renewed_in_chaos = _renewals(database)
        chaos_ended = time.monotonic() - began
        settle_runs = _settle(env, database)
        settled = time.monotonic() - began

        stats = processor.control("stats")["totals"]
        context = f"seed {seed}, {dict(seen)}, logs in {tmp_path}"
        assert not customers.failures, f"{context}: {customers.failures[:3]}"
        _check_books(database, processor, owned, customers.confirmed, context)
        assert seen["rounds_renewing"] >= 2, f"{context}: the kills never landed mid-work"
        assert 0 < renewed_in_chaos < len(owned), context
        assert stats.get("withheld", 0) > 0, f"{context}: no answer was lost"
        print(
            f"{context}; seeded {len(owned)} in {seeded:.1f} s, kills until {chaos_ended:.0f} s, "
            f"settled at {settled:.0f} s; renewed during the kills "
            f"{renewed_in_chaos}; cancellations {len(customers.confirmed)}; settle runs "
            f"{settle_runs}; processor {stats}"
        )
    finally:
        database.dispose()


def _check_books(
    database: Database,
    processor: Processor,
    owned: list[Owned],
    canceled: dict[uuid.UUID, Canceled],
    context: str,
) -> None:
    """The processor's captures and refunds against subdesk's payments, attempts and periods."""
    intents = [i for i in processor.control("payments")["data"] if i["status"] == "succeeded"]
    with database.reading() as session:
        columns = (Payment.subscription_id, Payment.period_number, Payment.refunded_minor)
        rows = session.execute(select(Payment.gateway_charge_id, *columns)).all()
        payments = {row[0]: row for row in rows}
        periods = dict(session.execute(select(Subscription.id, Subscription.period_number)).all())
        attempts = dict(session.execute(select(PaymentAttempt.id, PaymentAttempt.state)).all())
        refunds = Counter(session.scalars(select(Refund.status)))
        # Each payment's invoice, and each refund's credit note (charge id -> credited).
        paid = select(Payment.gateway_charge_id).join(Invoice, Invoice.payment_id == Payment.id)
        invoiced = set(session.scalars(paid))
        credited = dict(
            session.execute(
                select(Payment.gateway_charge_id, func.sum(CreditNote.amount_minor))
                .join(Invoice, Invoice.payment_id == Payment.id)
                .join(CreditNote, CreditNote.invoice_id == Invoice.id)
                .group_by(Payment.gateway_charge_id)
            ).all()
        )
    assert set(attempts.values()) <= {"succeeded", "failed"}, (
        f"{context}: {Counter(attempts.values())}"
    )
    assert set(refunds) <= {"succeeded"}, f"{context}: refunds {refunds}"
    kept: defaultdict[tuple[uuid.UUID, int], int] = defaultdict(int)
    for intent in intents:
        payment = payments.get(intent["id"])
        assert payment is not None, f"{context}: capture {intent['id']} unknown to subdesk"
        reference = intent["metadata"].get("subdesk_reference")
        if reference is not None:
            assert attempts[uuid.UUID(reference)] == "succeeded", f"{context}: {intent}"
        refunded = intent["amount_refunded"]
        assert refunded in (0, intent["amount_received"]), f"{context}: partial {intent}"
        assert refunded == payment.refunded_minor, f"{context}: refunds differ {intent}"
        assert intent["id"] in invoiced, f"{context}: capture without an invoice {intent}"
        assert credited.get(intent["id"], 0) == refunded, f"{context}: credit notes {intent}"
        if refunded == 0:
            kept[(payment.subscription_id, payment.period_number)] += 1
    assert len(intents) == len(rows), f"{context}: payments without a capture"
    for one in owned:
        cancellation = canceled.get(one.subscription_id)
        renews = cancellation is None or cancellation.renewed_before
        label = f"{context}: {one.subscription_id} canceled {cancellation}"
        assert kept[(one.subscription_id, 1)] == 1, label
        assert kept[(one.subscription_id, 2)] == (1 if renews else 0), label
        assert periods[one.subscription_id] == (2 if renews else 1), label
