"""Benchmark: the renewal worker against set-based SQL statements doing the same writes.

    python bench/renewals.py --n 100000                 # SQLite (a file in a temporary folder)
    python bench/renewals.py --n 100000 --url postgresql+psycopg://postgres@127.0.0.1:5432/bench

Creates N monthly subscriptions that are all due, runs `subdesk worker --once` in
`--workers` child processes (charging through the sandbox processor, whose memory is a file
they share, invoicing, moving the period, queueing the receipt), and reports renewals per
second and the worker's peak RSS.
Then it recreates the same data and times the baseline: set-based INSERT ... SELECT
and UPDATE statements writing the same payments, invoices, receipts, audit events and
periods. The PostgreSQL database given is emptied first.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from rows import account_row
from sqlalchemy import create_engine, func, select, text

from subdesk.app import build_runtime
from subdesk.bulk_insert import insert_rows
from subdesk.catalog.demo import seed_catalog
from subdesk.clock import TestClock
from subdesk.config import Settings
from subdesk.context import Work
from subdesk.db import Database
from subdesk.migrate import upgrade
from subdesk.models import Account, Payment, PaymentMethod, Plan, Subscription

SEED = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8"
CHUNK = 5000


def fresh_database(url: str) -> None:
    if url.startswith("sqlite"):
        path = Path(url.removeprefix("sqlite:///"))
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    else:
        engine = create_engine(url)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()
    upgrade(url)


def seed(url: str, n: int) -> None:
    """N customers, each with a card and one monthly subscription that fell due a minute ago."""
    now = datetime.now(UTC)
    started = now - timedelta(days=31, minutes=1)
    database = Database(url)
    runtime = build_runtime(
        Settings(database_url=url, signing_key=SEED, sandbox_ledger=None), clock=TestClock(started)
    )
    with database.transaction() as session:
        seed_catalog(Work(session, runtime))
    with database.transaction() as session:
        plan = session.scalars(select(Plan).where(Plan.code == "av1-month-usd")).one()
        plan_id, price = plan.id, plan.renewal_price_minor
    for offset in range(0, n, CHUNK):
        accounts, cards, subs = [], [], []
        for number in range(offset, min(n, offset + CHUNK)):
            account_id, card_id = uuid.uuid4(), uuid.uuid4()
            accounts.append(account_row(account_id, f"bench{number}@example.com", started))
            cards.append(
                dict(
                    id=card_id,
                    account_id=account_id,
                    gateway_token=f"tok_approve_{number:024x}",
                    brand="visa",
                    last4="4242",
                    exp_month=12,
                    exp_year=2040,
                    created_at=started,
                )
            )
            subs.append(
                dict(
                    id=uuid.uuid4(),
                    account_id=account_id,
                    plan_id=plan_id,
                    payment_method_id=card_id,
                    channel="direct",
                    status="active",
                    auto_renew=True,
                    started_at=started,
                    anchor_at=started,
                    period_number=1,
                    current_period_start=started,
                    current_period_end=now - timedelta(minutes=1),
                    next_action_at=now - timedelta(minutes=1),
                    agreed_price_minor=price,
                    created_at=started,
                    updated_at=started,
                )
            )
        with database.transaction() as session:
            insert_rows(session.connection(), Account, accounts)  # COPY on PostgreSQL
            insert_rows(session.connection(), PaymentMethod, cards)
            insert_rows(session.connection(), Subscription, subs)
    database.dispose()


def run_workers(url: str, workdir: Path, count: int) -> tuple[float, float]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SUBDESK_")}
    env.update(
        SUBDESK_DATABASE_URL=url,
        SUBDESK_SIGNING_KEY=SEED,
        # The processor's memory in its own file, shared by the workers as one processor
        # (kept in a worker's memory it would grow with every charge of the run).
        SUBDESK_SANDBOX_LEDGER=str(workdir / "processor.db"),
        SUBDESK_SMTP_PORT="9",
    )
    subdesk = shutil.which("subdesk", path=str(Path(sys.executable).parent)) or "subdesk"
    started = time.perf_counter()
    command = [subdesk, "worker", "--once"]
    logs = [(workdir / f"worker-{number}.log").open("w") for number in range(count)]
    workers = [
        subprocess.Popen(command, env=env, cwd=workdir, stdout=log, stderr=subprocess.STDOUT)
        for log in logs
    ]
    codes = [worker.wait() for worker in workers]
    for log in logs:
        log.close()
    assert codes == [0] * count, (workdir / "worker-0.log").read_text()
    elapsed = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return elapsed, peak_mb


BASELINE = {
    "payments": """
        INSERT INTO payments (id, account_id, subscription_id, kind, period_number, first_paid,
            amount_minor, refunded_minor, currency, gateway_charge_id, idempotency_key,
            captured_at)
        SELECT {uuid}, s.account_id, s.id, 'renewal', s.period_number + 1, {false},
            p.renewal_price_minor, 0, p.currency, 'ch_' || {sid},
            'period:' || {sid} || ':' || (s.period_number + 1), :now
        FROM subscriptions s JOIN plans p ON p.id = s.plan_id WHERE s.next_action_at <= :now""",
    "invoices": """
        INSERT INTO invoices (id, number, account_id, subscription_id, payment_id, description,
            amount_minor, currency, period_start, period_end, issued_at)
        SELECT {uuid}, 'INV-' || substr({sid}, 1, 20), y.account_id, y.subscription_id, y.id,
            'renewal', y.amount_minor, y.currency, :now, :now, :now
        FROM payments y WHERE y.captured_at = :now""",
    "audit_events": """
        INSERT INTO audit_events (occurred_at, actor_type, actor_id, action, entity_type,
            entity_id, account_id, subscription_id, reason)
        SELECT :now, 'system', 'subdesk', a.action, 'subscription', {sid}, s.account_id, s.id,
            NULL
        FROM subscriptions s CROSS JOIN (SELECT 'payment.captured' AS action UNION ALL
            SELECT 'subscription.renewed') a WHERE s.next_action_at <= :now""",
    "outbox_emails": """
        INSERT INTO outbox_emails (id, dedupe_key, account_id, subscription_id, template, locale,
            to_address, context, status, attempts, next_attempt_at, created_at)
        SELECT {uuid}, 'receipt:' || {sid}, s.account_id, s.id, 'receipt', 'en', a.email,
            '{{}}', 'pending', 0, :now, :now
        FROM subscriptions s JOIN accounts a ON a.id = s.account_id
        WHERE s.next_action_at <= :now""",
    "subscriptions": """
        UPDATE subscriptions SET period_number = period_number + 1,
            current_period_start = current_period_end, current_period_end = :later,
            next_action_at = :later, updated_at = :now
        WHERE next_action_at <= :now""",
}


def run_baseline(url: str) -> float:
    engine = create_engine(url)
    pg = engine.dialect.name == "postgresql"
    words = {
        "uuid": "gen_random_uuid()" if pg else "lower(hex(randomblob(16)))",
        "sid": "s.id::text" if pg else "hex(s.id)",
        "false": "false" if pg else "0",
    }
    now = datetime.now(UTC).replace(tzinfo=None if not pg else UTC)
    later = now + timedelta(days=30)
    started = time.perf_counter()
    with engine.begin() as conn:
        for name, sql in BASELINE.items():
            statement = sql.format(
                **{
                    **words,
                    "sid": words["sid"].replace("s.", "y.") if name == "invoices" else words["sid"],
                }
            )
            conn.execute(text(statement), {"now": now, "later": later})
    elapsed = time.perf_counter() - started
    engine.dispose()
    return elapsed


def renewed(url: str) -> int:
    database = Database(url)
    with database.transaction() as session:
        count = session.scalar(
            select(func.count()).select_from(Payment).where(Payment.kind == "renewal")
        )
    database.dispose()
    return int(count or 0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--workers", type=int, default=1, help="worker processes sharing the run")
    parser.add_argument(
        "--url", help="PostgreSQL URL (emptied!); SQLite in a temporary folder by default"
    )
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="subdesk-bench-"))
    url = args.url or f"sqlite:///{workdir / 'bench.db'}"
    backend = "postgresql" if url.startswith("postgresql") else "sqlite"

    fresh_database(url)
    seed(url, args.n)
    load_before = os.getloadavg()[0]
    worker_seconds, peak_mb = run_workers(url, workdir, args.workers)
    load_after = os.getloadavg()[0]
    done = renewed(url)
    assert done == args.n, f"renewed {done} of {args.n}"

    fresh_database(url)
    seed(url, args.n)
    baseline_seconds = run_baseline(url)
    shutil.rmtree(workdir, ignore_errors=True)

    print(f"backend           {backend}")
    print(f"subscriptions     {args.n}")
    print(f"worker            {worker_seconds:.1f} s  ({args.n / worker_seconds:,.0f} renewals/s)")
    print(f"set-based SQL     {baseline_seconds:.1f} s  ({args.n / baseline_seconds:,.0f} rows/s)")
    print(f"worker / baseline {worker_seconds / baseline_seconds:.1f}x")
    print(f"workers           {args.workers}")
    print(f"worker peak RSS   {peak_mb:.0f} MB (the largest one)")
    print(f"load average      {load_before:.1f} before the workers, {load_after:.1f} after")


if __name__ == "__main__":
    main()
