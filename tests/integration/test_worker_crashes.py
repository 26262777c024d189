"""Acceptance: workers killed at random points, restarted, two at a time — every period
charged exactly once, at subdesk and at the processor."""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select

from subdesk.app import build_runtime
from subdesk.audit.log import Actor
from subdesk.billing import payment_methods
from subdesk.billing.sandbox_ledger import SqliteLedger
from subdesk.catalog.demo import seed_catalog
from subdesk.catalog.service import current_disclosure
from subdesk.clock import TestClock
from subdesk.config import Settings
from subdesk.context import Work
from subdesk.db import Database
from subdesk.models import Account, Payment, Plan, Subscription
from subdesk.subscriptions.purchase import Purchase, subscribe
from tests.conftest import TEST_SIGNING_SEED

SUBSCRIPTIONS = 1000
ROUNDS = 20
LEASE_SECONDS = 2
SUBDESK = shutil.which("subdesk", path=str(Path(sys.executable).parent)) or "subdesk"


def _seed(settings: Settings) -> None:
    """1,000 monthly subscriptions bought 32 days ago: all due now by the wall clock."""
    clock = TestClock(datetime.now(UTC) - timedelta(days=32))
    runtime = build_runtime(settings, clock=clock)
    database = Database(settings.database_url)
    with database.transaction() as session:
        work = Work(session, runtime)
        seed_catalog(work)
        account = Account(
            email="many@example.com", country="US", region="CA", locale="en", created_at=clock.now()
        )
        session.add(account)
        session.flush()
        as_customer = Work(session, runtime, Actor.customer(account.id))
        card = payment_methods.add_card(
            as_customer,
            account.id,
            number="4242424242424242",
            exp_month=12,
            exp_year=2040,
            cvc="123",
        )
        plan = session.scalars(select(Plan).where(Plan.code == "av1-month-usd")).one()
        version = current_disclosure(session, plan.id).version
        for number in range(SUBSCRIPTIONS):
            order = Purchase(
                plan.id, card.id, True, version, f"bulk-{number}", confirm_second_purchase=True
            )
            subscribe(as_customer, account.id, order)
    database.dispose()


def _start_worker(env: dict[str, str], cwd: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [SUBDESK, "worker", "--poll", "0.2"],
        env=env,
        cwd=cwd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def test_killed_and_parallel_workers_charge_every_period_exactly_once(
    database_url: str, tmp_path: Path
) -> None:
    ledger_path = tmp_path / "processor.db"
    settings = Settings(
        database_url=database_url,
        signing_key=TEST_SIGNING_SEED,
        sandbox_ledger=str(ledger_path),
        smtp_port=9,  # nothing listens: emails wait in the outbox
    )
    _seed(settings)
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("SUBDESK_")},
        "SUBDESK_DATABASE_URL": database_url,
        "SUBDESK_SIGNING_KEY": TEST_SIGNING_SEED,
        "SUBDESK_SANDBOX_LEDGER": str(ledger_path),
        "SUBDESK_SMTP_PORT": "9",
        # Small batches: commits come often, so kills land before, inside and between them.
        "SUBDESK_WORKER_BATCH_SIZE": "25",
        # The sandbox answers at once: an attempt pending this long lost its worker.
        "SUBDESK_PAYMENT_LEASE_SECONDS": str(LEASE_SECONDS),
    }
    seed = int(os.environ.get("SUBDESK_CRASH_SEED", time.time_ns() % 100_000))
    rng = random.Random(seed)
    for _ in range(ROUNDS):
        _kill_after(env, tmp_path, rng.uniform(0.5, 3.0))
    # On a loaded machine a worker may not get past starting up before it is killed: give
    # the killed ones longer until some of them have renewed, so a crash mid-work is tested.
    for extra in range(20):
        if _renewals(database_url) > 0:
            break
        _kill_after(env, tmp_path, rng.uniform(3.0, 6.0 + extra))
    renewed_while_killed = _renewals(database_url)
    time.sleep(LEASE_SECONDS)  # the killed workers' attempts are now taken for lost
    subprocess.run(
        [SUBDESK, "worker", "--once"], env=env, cwd=tmp_path, check=True, capture_output=True
    )

    database = Database(database_url)
    with database.transaction() as session:
        per_period = session.execute(
            select(Payment.subscription_id, Payment.period_number, func.count()).group_by(
                Payment.subscription_id, Payment.period_number
            )
        ).all()
        periods = set(session.scalars(select(Subscription.period_number)))
    database.dispose()
    assert len(per_period) == 2 * SUBSCRIPTIONS, f"seed {seed}"
    assert {n for *_, n in per_period} == {1}, f"seed {seed}"
    assert periods == {2}, f"seed {seed}: none missed"
    assert SqliteLedger(ledger_path).captures() == 2 * SUBSCRIPTIONS, f"seed {seed}: processor"
    assert renewed_while_killed > 0, "the killed workers never got to work"


def _kill_after(env: dict[str, str], cwd: Path, seconds: float) -> None:
    workers = [_start_worker(env, cwd) for _ in range(2)]
    time.sleep(seconds)
    for worker in workers:
        worker.send_signal(signal.SIGKILL)
        worker.wait()


def _renewals(database_url: str) -> int:
    database = Database(database_url)
    with database.transaction() as session:
        done = session.scalar(select(func.count()).where(Payment.kind == "renewal"))
    database.dispose()
    return int(done or 0)
