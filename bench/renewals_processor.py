"""Benchmark: renewals charged over HTTP through the sandbox processor at its rate limit, while
customers cancel through the API.

    URL=postgresql+psycopg://postgres@127.0.0.1:5432/bench_processor
    python bench/renewals_processor.py --url $URL                    # 20,000; 300 ms; 100/s
    python bench/renewals_processor.py --url $URL --latency-ms 50 --rate 1000
    python bench/renewals_processor.py --url $URL --n 2000 --keep    # a quick look, logs kept

Needs Redis on 127.0.0.1:6379 (`--redis`), where the workers count their shared pace.

Starts `subdesk sandbox-processor` on a free loopback port (latency, small jitter, a rate
limit answering 429 beyond it), tokenizes one card per customer there, and seeds N
monthly subscriptions that are all due (customers with one to three of them; COPY on
PostgreSQL), plus bearer tokens for the customers who will cancel. Then it starts
`subdesk serve` and `--workers` `subdesk worker --once` processes against the same
database, the workers charging through StripeGateway with their pace (the processor's
limit) shared in Redis, and meanwhile `--clients` concurrent API clients cancel
subscriptions ("now"), each waiting about `--think` seconds between two. When the workers
are done it reports, from the processor's own records: captures per second over the run
and over its steady part (against the limit), 429s, double charges (more than one kept
capture for a subscription's period) and captures subdesk does not know; from the API:
the cancellations' p50/p99/max latency; and each worker's peak RSS and CPU time.

The PostgreSQL database given is emptied first. Not a test, and not run in CI.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx2 as httpx
from renewals import SEED, fresh_database
from rows import account_row
from sqlalchemy import func, select

from subdesk.accounts.service import token_digest
from subdesk.app import build_runtime
from subdesk.bulk_insert import insert_rows
from subdesk.catalog.demo import seed_catalog
from subdesk.clock import TestClock
from subdesk.config import Settings
from subdesk.context import Work
from subdesk.db import Database
from subdesk.models import (
    Account,
    ApiToken,
    Cancellation,
    PaymentAttempt,
    PaymentMethod,
    Plan,
    Subscription,
)

API_KEY = "sk_test_bench"
CHUNK = 5000
SUBDESK = shutil.which("subdesk", path=str(Path(sys.executable).parent)) or "subdesk"
TICKS = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for(url: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            httpx.get(url, timeout=2)
            return
        except httpx.TransportError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def tokenize(processor: str, count: int) -> list[str]:
    """`count` payment methods with the 4242 test card at the processor (before its latency
    is set), one request each."""
    form = {"type": "card", "card[number]": "4242424242424242", "card[exp_month]": "12"}
    form |= {"card[exp_year]": "2040", "card[cvc]": "123"}
    local = threading.local()

    def one(_: int) -> str:
        if not hasattr(local, "client"):
            local.client = httpx.Client(
                base_url=processor, headers={"Authorization": f"Bearer {API_KEY}"}
            )
        response = local.client.post("/v1/payment_methods", data=form)
        response.raise_for_status()
        return str(response.json()["id"])

    with ThreadPoolExecutor(8) as pool:
        return list(pool.map(one, range(count)))


def seed(url: str, tokens: list[str], cancelling: set[int]) -> list[tuple[str, str]]:
    """One account per card, with 1, 2 or 3 due monthly subscriptions (2 on average) on it;
    returns (bearer token, subscription id) for one subscription of each account numbered in
    `cancelling`."""
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
    cancels: list[tuple[str, str]] = []
    for offset in range(0, len(tokens), CHUNK):
        accounts, cards, subs, bearers = [], [], [], []
        for number in range(offset, min(len(tokens), offset + CHUNK)):
            account_id, card_id = uuid.uuid4(), uuid.uuid4()
            accounts.append(account_row(account_id, f"pbench{number}@example.com", started))
            cards.append(
                dict(
                    id=card_id, account_id=account_id, gateway_token=tokens[number],
                    brand="visa", last4="4242", exp_month=12, exp_year=2040, created_at=started,
                )
            )  # fmt: skip
            for extra in range(1 + number % 3):
                sub = due_subscription(account_id, card_id, plan_id, price, started, now)
                subs.append(sub | {"second_purchase_confirmed": extra > 0})
            if number in cancelling:
                bearer = secrets.token_urlsafe(24)
                bearers.append(
                    dict(
                        id=uuid.uuid4(), account_id=account_id, token_hash=token_digest(bearer),
                        created_at=now, expires_at=now + timedelta(days=30), revoked_at=None,
                    )
                )  # fmt: skip
                cancels.append((bearer, str(subs[-1]["id"])))
        with database.transaction() as session:
            insert_rows(session.connection(), Account, accounts)  # COPY on PostgreSQL
            insert_rows(session.connection(), PaymentMethod, cards)
            insert_rows(session.connection(), Subscription, subs)
            insert_rows(session.connection(), ApiToken, bearers)
    database.dispose()
    return cancels


def due_subscription(
    account_id: uuid.UUID,
    card_id: uuid.UUID,
    plan_id: uuid.UUID,
    price: int,
    started: datetime,
    now: datetime,
) -> dict[str, Any]:
    return dict(
        id=uuid.uuid4(), account_id=account_id, plan_id=plan_id, payment_method_id=card_id,
        channel="direct", status="active", auto_renew=True, started_at=started,
        anchor_at=started, period_number=1, current_period_start=started,
        current_period_end=now - timedelta(minutes=1), next_action_at=now - timedelta(minutes=1),
        agreed_price_minor=price, created_at=started, updated_at=started,
    )  # fmt: skip


class Watched:
    """A child process whose peak RSS and CPU time are read from /proc while it runs."""

    def __init__(self, process: subprocess.Popen[bytes]) -> None:
        self.process = process
        self.peak_mb = 0.0
        self.cpu_seconds = 0.0

    def sample(self) -> None:
        try:
            status = Path(f"/proc/{self.process.pid}/status").read_text()
            stat = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError, IndexError):
            return
        for line in status.splitlines():
            if line.startswith("VmHWM:"):
                self.peak_mb = max(self.peak_mb, int(line.split()[1]) / 1024)
        self.cpu_seconds = (int(stat[11]) + int(stat[12])) / TICKS


async def cancel_all(
    api: str, cancels: list[tuple[str, str]], clients: int, think: float, done: threading.Event
) -> tuple[list[float], Counter[int]]:
    """`clients` customers cancelling now, one request at a time each, until the workers are
    done; returns the latencies (seconds) and the status codes."""
    queue = list(cancels)
    random.Random(13).shuffle(queue)  # noqa: S311 - a schedule
    latencies: list[float] = []
    statuses: Counter[int] = Counter()
    rng = random.Random(7)  # noqa: S311

    async def customer(client: httpx.AsyncClient) -> None:
        await asyncio.sleep(rng.uniform(0, think))  # customers do not all arrive at once
        while queue and not done.is_set():
            bearer, subscription_id = queue.pop()
            started = time.perf_counter()
            try:
                response = await client.post(
                    f"/api/v1/subscriptions/{subscription_id}/cancel",
                    json={"when": "now"},
                    headers={"Authorization": f"Bearer {bearer}"},
                )
            except httpx.TransportError:  # a kept-alive connection the server had closed
                statuses[0] += 1
                continue
            latencies.append(time.perf_counter() - started)
            statuses[response.status_code] += 1
            await asyncio.sleep(rng.uniform(0.5, 1.5) * think)

    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=api, timeout=30, limits=limits) as client:
        await asyncio.gather(*(customer(client) for _ in range(clients)))
    return latencies, statuses


def run(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    processor_port, api_port = free_port(), free_port()
    processor_url = f"http://127.0.0.1:{processor_port}"
    logs = {name: (workdir / f"{name}.log").open("w") for name in ("processor", "api")}
    processor = subprocess.Popen(
        [SUBDESK, "sandbox-processor", "--port", str(processor_port)],
        stdout=logs["processor"],
        stderr=subprocess.STDOUT,
    )
    wait_for(f"{processor_url}/_sandbox/stats")
    fresh_database(args.url)
    tokens = tokenize(processor_url, (args.n + 1) // 2)
    # Cancelling customers anywhere in the queue, not only among the first renewed.
    chosen = random.Random(5).sample(range(len(tokens)), min(args.cancels, len(tokens)))  # noqa: S311
    cancelling = set(chosen)
    cancels = seed(args.url, tokens, cancelling)
    subscriptions = sum(1 + i % 3 for i in range(len(tokens)))
    knobs = {"latency_ms": args.latency_ms, "jitter_ms": args.latency_ms / 10}
    httpx.post(f"{processor_url}/_sandbox/config", json=knobs | {"rate_limit": args.rate})
    before = Counter(httpx.get(f"{processor_url}/_sandbox/stats").json()["totals"])

    env = {k: v for k, v in os.environ.items() if not k.startswith("SUBDESK_")}
    env.update(
        SUBDESK_DATABASE_URL=args.url,
        SUBDESK_SIGNING_KEY=SEED,
        SUBDESK_GATEWAY="stripe",
        SUBDESK_STRIPE_API_KEY=API_KEY,
        SUBDESK_STRIPE_API_BASE=processor_url,
        SUBDESK_GATEWAY_TIMEOUT_SECONDS="10",
        SUBDESK_PROCESSOR_CONCURRENCY=str(args.concurrency),
        SUBDESK_WORKER_BATCH_SIZE=str(args.batch_size),
        SUBDESK_PROCESSOR_REQUESTS_PER_SECOND=str(args.rate),
        SUBDESK_REDIS_URL=args.redis,
        SUBDESK_SMTP_PORT="9",
        SUBDESK_PORT=str(api_port),
    )
    api = subprocess.Popen(
        [SUBDESK, "serve", "--no-auto-migrate", "--workers", str(args.api_processes)],
        env=env, stdout=logs["api"], stderr=subprocess.STDOUT,
    )  # fmt: skip
    wait_for(f"http://127.0.0.1:{api_port}/api/v1/plans")

    done = threading.Event()
    cancelled: dict[str, Any] = {}

    def customers() -> None:
        cancelled["latencies"], cancelled["statuses"] = asyncio.run(
            cancel_all(f"http://127.0.0.1:{api_port}", cancels, args.clients, args.think, done)
        )

    clients = threading.Thread(target=customers)
    started = time.monotonic()
    workers = [
        Watched(
            subprocess.Popen(
                [SUBDESK, "worker", "--once"],
                preexec_fn=lambda: os.nice(args.worker_nice),  # a batch job yields to the API
                env=env,
                cwd=workdir,
                stdout=(workdir / f"worker-{n}.log").open("w"),
                stderr=subprocess.STDOUT,
            )
        )  # fmt: skip
        for n in range(args.workers)
    ]
    others = {"processor": Watched(processor), "api": Watched(api)}
    for other in others.values():
        other.sample()
    cpu_before = {name: other.cpu_seconds for name, other in others.items()}
    clients.start()
    while any(w.process.poll() is None for w in workers):
        for worker in [*workers, *others.values()]:
            worker.sample()
        time.sleep(0.5)
    elapsed = time.monotonic() - started
    done.set()
    clients.join()
    assert [w.process.returncode for w in workers] == [0] * args.workers, workdir

    # What is left (refunds of charges that came back after a cancellation, sent by the API
    # or the workers) is finished by one more pass, outside the measured run.
    subprocess.run([SUBDESK, "worker", "--once"], env=env, cwd=workdir, check=True,
                   capture_output=True)  # fmt: skip
    intents = httpx.get(f"{processor_url}/_sandbox/payments", timeout=120).json()["data"]
    stats = Counter(httpx.get(f"{processor_url}/_sandbox/stats").json()["totals"]) - before
    api.terminate()
    processor.terminate()
    api.wait()
    processor.wait()
    books = check_books(args.url, intents)
    return {
        "subscriptions": subscriptions,
        "elapsed": elapsed,
        "workers": workers,
        "other_cpu": {name: w.cpu_seconds - cpu_before[name] for name, w in others.items()},
        "stats": stats,
        "cancels": cancelled,
        **books,
        **rates(intents),
    }


def rates(intents: list[dict[str, Any]]) -> dict[str, Any]:
    """Captures per second over the whole run and over its steady part (the first and last
    five seconds left out), from the processor's creation times."""
    seconds = Counter(i["created"] for i in intents if i["status"] == "succeeded")
    first, last = min(seconds), max(seconds)
    span = range(first, last + 1)
    steady = [seconds.get(s, 0) for s in span][5:-5] or [0]
    return {
        "per_second": [seconds.get(s, 0) for s in span],
        "overall_rate": sum(seconds.values()) / len(span),
        "steady_rate": statistics.mean(steady),
        "charging_seconds": len(span),
    }


def check_books(url: str, intents: list[dict[str, Any]]) -> dict[str, int]:
    """Double charges and unknown captures, from the processor's records against subdesk's."""
    database = Database(url)
    with database.reading() as session:
        attempts = {
            str(row[0]): (row[1], row[2], row[3])
            for row in session.execute(
                select(
                    PaymentAttempt.id,
                    PaymentAttempt.subscription_id,
                    PaymentAttempt.period_number,
                    PaymentAttempt.state,
                )
            )
        }
        renewed = session.scalar(
            select(func.count()).where(Subscription.period_number == 2)
        )  # fmt: skip
        canceled = session.scalar(select(func.count()).select_from(Cancellation))
    database.dispose()
    kept: Counter[tuple[Any, int]] = Counter()
    unknown = refunded = 0
    for intent in intents:
        if intent["status"] != "succeeded":
            continue
        attempt = attempts.get(intent["metadata"].get("subdesk_reference", ""))
        if attempt is None or attempt[2] != "succeeded":
            unknown += 1
            continue
        if intent["amount_refunded"] == intent["amount_received"]:
            refunded += 1
        else:
            kept[(attempt[0], attempt[1])] += 1
    return {
        "captures": sum(1 for i in intents if i["status"] == "succeeded"),
        "double_charges": sum(n - 1 for n in kept.values() if n > 1),
        "unknown_captures": unknown,
        "refunded_captures": refunded,
        "renewed": int(renewed or 0),
        "canceled": int(canceled or 0),
        "open_attempts": sum(1 for a in attempts.values() if a[2] in ("pending", "unknown")),
    }


def report(args: argparse.Namespace, result: dict[str, Any]) -> None:
    latencies = sorted(result["cancels"].get("latencies", [])) or [0.0]
    p = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else latencies * 99
    rate = result["steady_rate"]
    print(
        f"subscriptions        {result['subscriptions']:,} due, {args.workers} workers, "
        f"batches of {args.batch_size}, nice {args.worker_nice}; "
        f"{args.api_processes} API process(es)"
    )
    print(f"processor            {args.latency_ms:.0f} ms latency, {args.rate}/s limit")
    print(
        f"run                  {result['elapsed']:.1f} s (charging {result['charging_seconds']} s)"
    )
    print(
        f"captures             {result['captures']:,} ({result['overall_rate']:.1f}/s overall, "
        f"{rate:.1f}/s steady = {100 * rate / args.rate:.1f} % of the limit)"
    )
    print(f"429s                 {result['stats'].get('rate_limited', 0)}")
    print(f"requests             {result['stats'].get('requests', 0):,}")
    print(f"double charges       {result['double_charges']}")
    print(f"unknown captures     {result['unknown_captures']}")
    print(f"refunded captures    {result['refunded_captures']} (came back after a cancellation)")
    print(f"renewed / canceled   {result['renewed']:,} / {result['canceled']:,}")
    print(f"open attempts        {result['open_attempts']}")
    print(
        f"cancellations        {len(latencies)} via the API, {args.clients} clients: "
        f"p50 {1000 * p[49]:.1f} ms, p99 {1000 * p[98]:.1f} ms, max {1000 * latencies[-1]:.1f} ms"
        f"  statuses {dict(result['cancels'].get('statuses', {}))}"
    )
    for number, worker in enumerate(result["workers"]):
        print(
            f"worker {number}             peak RSS {worker.peak_mb:.0f} MB, "
            f"CPU {worker.cpu_seconds:.1f} s ({100 * worker.cpu_seconds / result['elapsed']:.0f} %)"
        )
    for name, seconds in result["other_cpu"].items():
        print(f"{name:<20} CPU {seconds:.1f} s ({100 * seconds / result['elapsed']:.0f} %)")
    print(f"load average         {os.getloadavg()[0]:.1f} at the end")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True, help="PostgreSQL URL (emptied!)")
    parser.add_argument("--n", type=int, default=20_000, help="due subscriptions (about)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--latency-ms", type=float, default=300.0)
    parser.add_argument("--rate", type=int, default=100, help="the processor's limit per second")
    parser.add_argument("--concurrency", type=int, default=64, help="calls in flight per worker")
    parser.add_argument("--batch-size", type=int, default=100, help="renewals per worker batch")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--clients", type=int, default=50, help="concurrent cancelling clients")
    parser.add_argument("--think", type=float, default=2.0, help="seconds between two of one")
    parser.add_argument("--cancels", type=int, default=2000, help="customers who may cancel")
    parser.add_argument(
        "--worker-nice", type=int, default=0, help="workers' niceness (10: API first)"
    )
    parser.add_argument("--api-processes", type=int, default=1, help="`subdesk serve --workers`")
    parser.add_argument("--keep", action="store_true", help="keep the processes' logs")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="subdesk-pbench-"))
    result = run(args, workdir)
    report(args, result)
    if args.keep:
        print(f"captures per second  {result['per_second']}")
        print(f"logs in {workdir}")
    else:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
