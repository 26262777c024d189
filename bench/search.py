"""Benchmark: the console's search box with N customers, for every kind of search key.

    python bench/search.py --n 100000                   # SQLite (a file in a temporary folder)
    python bench/search.py --url postgresql+psycopg://postgres@127.0.0.1:5432/bench_search

Seeds N customers (default 1,000,000), each with an account, a card, a subscription, a
payment and its invoice and a device; every tenth one also has a cancellation and a support
case. Rows are inserted in bulk with Core. Then it times `find_customers` (the function
behind /agent) for each key on randomly chosen customers and reports p50 and max, and
prints the query plans of the lookups, flagging any full scan. The PostgreSQL database given
is created if missing and emptied first.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event, select, text
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).parent))
from renewals import SEED, fresh_database  # noqa: E402
from rows import account_row

from subdesk.app import build_runtime  # noqa: E402
from subdesk.bulk_insert import insert_rows  # noqa: E402
from subdesk.catalog.demo import seed_catalog  # noqa: E402
from subdesk.clock import TestClock  # noqa: E402
from subdesk.config import Settings  # noqa: E402
from subdesk.context import Runtime, Work  # noqa: E402
from subdesk.db import Database  # noqa: E402
from subdesk.models import (  # noqa: E402
    Account,
    Cancellation,
    Device,
    Invoice,
    Payment,
    PaymentMethod,
    Plan,
    Subscription,
    SupportCase,
)
from subdesk.support.search import find_customers  # noqa: E402

CHUNK = 10_000
SAMPLES = 25
FIRST = "Ada Ben Cleo Dan Eva Finn Gia Hugo Ida Jan Kai Lea Max Nia Otto Pia Quinn Rosa Sam Tara"
LAST = "Abbott Becker Chen Diaz Engel Fischer Garcia Hahn Ito Jones Klein Lopez Meyer Novak Ortiz"
FIRSTS, LASTS = FIRST.split(), LAST.split()
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def person(number: int) -> tuple[str, str]:
    """A name (many share one, as in real life) and a device name, both from `number`."""
    first = FIRSTS[number % len(FIRSTS)]
    last = LASTS[(number // len(FIRSTS)) % len(LASTS)]
    return f"{first} {last} {number}", f"{first}'s Laptop {number}"


def card(number: int) -> tuple[str, int, int]:
    mixed = (number * 2654435761) % 4294967296
    return f"{mixed % 10000:04d}", mixed % 12 + 1, 2027 + (mixed // 12) % 8


def code(number: int, length: int) -> str:
    return "".join(ALPHABET[(number >> (5 * i)) & 31] for i in reversed(range(length)))


def cancellation_id(number: int) -> str:
    return f"CXL-{code(number, 8)[:4]}-{code(number, 8)[4:]}"


def rows(number: int, plan_id: uuid.UUID, at: datetime) -> dict[str, dict[str, Any]]:
    """One customer's rows, keyed by table."""
    account_id, card_id, sub_id, pay_id = (uuid.uuid4() for _ in range(4))
    name, device_name = person(number)
    last4, month, year = card(number)
    owner = {"account_id": account_id}
    return {
        "accounts": account_row(account_id, f"customer{number}@example.com", at, name),
        "payment_methods": dict(
            id=card_id,
            **owner,
            gateway_token=f"tok_approve_{number:024x}",
            brand="visa",
            last4=last4,
            exp_month=month,
            exp_year=year,
            created_at=at,
        ),
        "subscriptions": dict(
            id=sub_id,
            **owner,
            plan_id=plan_id,
            payment_method_id=card_id,
            channel="direct",
            status="active",
            auto_renew=True,
            started_at=at,
            anchor_at=at,
            period_number=1,
            current_period_start=at,
            current_period_end=at + timedelta(days=365),
            next_action_at=at + timedelta(days=365),
            agreed_price_minor=4999,
            created_at=at,
            updated_at=at,
        ),
        "payments": dict(
            id=pay_id,
            **owner,
            subscription_id=sub_id,
            kind="initial",
            period_number=1,
            first_paid=True,
            amount_minor=4999,
            refunded_minor=0,
            currency="USD",
            gateway_charge_id=f"ch_USD4999_{number}",
            idempotency_key=f"bench:{number}",
            captured_at=at,
        ),
        "invoices": dict(
            id=uuid.uuid4(),
            number=f"INV-20261123-{code(number, 6)}",
            **owner,
            subscription_id=sub_id,
            payment_id=pay_id,
            description="Shield Antivirus, 1 year",
            amount_minor=4999,
            currency="USD",
            period_start=at,
            period_end=at + timedelta(days=365),
            issued_at=at,
        ),
        "devices": dict(
            id=uuid.uuid4(),
            subscription_id=sub_id,
            **owner,
            fingerprint=f"fingerprint-{number}",
            name=device_name,
            platform="windows",
            token_hash=hashlib.sha256(str(number).encode()).hexdigest(),
            status="active",
            activated_at=at,
            last_seen_at=at,
        ),
        "cancellations": dict(
            id=uuid.uuid4(),
            public_id=cancellation_id(number),
            subscription_id=sub_id,
            **owner,
            mode="period_end",
            status="confirmed",
            requested_at=at,
            effective_at=at + timedelta(days=365),
            refund_minor=0,
            currency="USD",
            reason=None,
            refund_id=None,
            receipt={},
        ),
        "support_cases": dict(
            **owner,
            subject="Where is my invoice?",
            category="billing",
            status="new",
            priority="normal",
            opened_by="customer",
            first_response_due_at=at + timedelta(hours=24),
            created_at=at,
            updated_at=at,
        ),
    }


TABLES = {
    "accounts": Account,
    "payment_methods": PaymentMethod,
    "subscriptions": Subscription,
    "payments": Payment,
    "invoices": Invoice,
    "devices": Device,
    "cancellations": Cancellation,
    "support_cases": SupportCase,
}
SOME = ("cancellations", "support_cases")  # one customer in ten


def seed(database: Database, runtime: Runtime, n: int) -> float:
    started = time.perf_counter()
    with database.transaction() as session:
        seed_catalog(Work(session, runtime))
    with database.transaction() as session:
        plan_id = session.scalars(select(Plan.id).where(Plan.code == "av1-year-usd")).one()
    at = runtime.clock.now()
    for offset in range(0, n, CHUNK):
        batch: dict[str, list[dict[str, Any]]] = {name: [] for name in TABLES}
        for number in range(offset, min(n, offset + CHUNK)):
            for name, row in rows(number, plan_id, at).items():
                if name not in SOME or number % 10 == 0:
                    batch[name].append(row)
        with database.transaction() as session:
            for name, model in TABLES.items():
                insert_rows(session.connection(), model, batch[name])  # COPY on PostgreSQL
        print(f"\rseeded {min(n, offset + CHUNK):,}", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    with database.transaction() as session:
        session.execute(text("ANALYZE"))
    return time.perf_counter() - started


def queries(n: int, rng: random.Random) -> dict[str, Callable[[], str]]:
    """For each key, a query for a random customer (cases and cancellations: one in ten)."""

    def some() -> int:
        return rng.randrange(0, n, 10)

    def anyone() -> int:
        return rng.randrange(n)

    def card_query() -> str:
        last4, month, year = card(anyone())
        return f"{last4} {month:02d}/{year % 100:02d}"

    return {
        "email": lambda: f"customer{anyone()}@example.com",
        "name prefix": lambda: person(anyone())[0].rsplit(" ", 1)[0][: rng.randint(3, 12)],
        "invoice number": lambda: f"INV-20261123-{code(anyone(), 6)}",
        "cancellation ID": lambda: cancellation_id(some()),
        "device name": lambda: person(anyone())[1],
        "card last 4 + expiry": card_query,
        "case number": lambda: f"CASE-{some() // 10 + 1:06d}",
    }


def time_searches(database: Database, runtime: Runtime, n: int) -> dict[str, list[float]]:
    rng = random.Random(7)  # noqa: S311 - sample picks, not secrets
    timings: dict[str, list[float]] = {}
    for key, make in queries(n, rng).items():
        timings[key] = []
        for _ in range(SAMPLES):
            query = make()
            with database.reading() as session:
                started = time.perf_counter()
                hits = find_customers(Work(session, runtime), query)
                timings[key].append(time.perf_counter() - started)
            assert hits, f"{key}: {query!r} found nobody"
    return timings


def plans(database: Database, runtime: Runtime, n: int) -> Iterator[tuple[str, str, str]]:
    """Each key's statements with their plan: (key, statement, plan)."""
    engine = database.read_engine
    pg = engine.dialect.name == "postgresql"
    captured: list[tuple[str, Any]] = []

    def capture(_conn: Any, _cursor: Any, statement: str, params: Any, *_rest: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            captured.append((statement, params))

    for key, make in queries(n, random.Random(11)).items():  # noqa: S311
        captured.clear()
        event.listen(engine, "before_cursor_execute", capture)
        with database.reading() as session:
            find_customers(Work(session, runtime), make())
        event.remove(engine, "before_cursor_execute", capture)
        with engine.connect() as conn:
            for statement, params in list(captured):
                explain = "EXPLAIN " if pg else "EXPLAIN QUERY PLAN "
                result = conn.exec_driver_sql(explain + statement, params).fetchall()
                plan = "\n".join(str(row[0] if pg else row[-1]) for row in result)
                yield key, " ".join(statement.split())[:160], plan


def full_scan(plan: str, pg: bool) -> bool:
    if pg:
        return "Seq Scan" in plan
    return any(
        line.strip().startswith("SCAN") and "USING" not in line for line in plan.splitlines()
    )


def ensure_database(url: str) -> None:
    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql":
        return
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.scalar(
            text("SELECT 1 FROM pg_database WHERE datname = :d"), {"d": parsed.database}
        )
        if not exists:
            conn.execute(text(f'CREATE DATABASE "{parsed.database}"'))
    admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument(
        "--url", help="PostgreSQL URL (emptied!); SQLite in a temporary folder by default"
    )
    parser.add_argument("--keep", action="store_true", help="search the existing data again")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="subdesk-bench-"))
    url = args.url or f"sqlite:///{workdir / 'bench.db'}"
    backend = "postgresql" if url.startswith("postgresql") else "sqlite"
    ensure_database(url)
    settings = Settings(database_url=url, signing_key=SEED, sandbox_ledger=None)
    runtime = build_runtime(settings, clock=TestClock(datetime(2026, 11, 23, 9, tzinfo=UTC)))
    seconds = 0.0
    if not args.keep:
        fresh_database(url)
        database = Database(url)
        seconds = seed(database, runtime, args.n)
    else:
        database = Database(url)
    timings = time_searches(database, runtime, args.n)
    scans = []
    for key, statement, plan in plans(database, runtime, args.n):
        if full_scan(plan, backend == "postgresql"):
            scans.append(f"{key}: {statement}\n{plan}")
    database.dispose()
    shutil.rmtree(workdir, ignore_errors=True)

    print(f"backend    {backend}")
    print(f"customers  {args.n:,}" + (f" (seeded in {seconds:.0f} s)" if seconds else ""))
    print(f"{'key':22} {'p50 ms':>8} {'max ms':>8}  ({SAMPLES} searches each)")
    for key, values in timings.items():
        p50, worst = statistics.median(values) * 1000, max(values) * 1000
        print(f"{key:22} {p50:8.2f} {worst:8.2f}")
    print("full scans: " + ("none" if not scans else "\n" + "\n\n".join(scans)))


if __name__ == "__main__":
    main()
