"""Benchmark: license check-ins against a bare ASGI app doing the same single-row lookup.

    python bench/checkin.py                      # SQLite (a file in a temporary folder)
    python bench/checkin.py --url postgresql+psycopg://postgres@127.0.0.1:5432/bench

Seeds N devices (three per subscription of a 3-seat annual plan, seen just now), then
serves subdesk with uvicorn on loopback and drives POST /api/v1/licenses/check-in with
wrk (Debian package `wrk`) at 32 connections, each request with the bearer token of the
next device. In the same run, under the same uvicorn settings, it serves `bare_app` below
(a raw ASGI callable that looks the device up by its token hash on the same database,
through the same engine set-up, and answers a small JSON) and drives it the same way.
Reports check-ins per second, p50 and p99 of both, and the ratio. The rate limits are set
high enough not to refuse anything. The PostgreSQL database given is emptied first.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from renewals import fresh_database
from rows import account_row
from sqlalchemy import Engine, bindparam, insert, select

from subdesk.app import build_runtime
from subdesk.catalog.demo import seed_catalog
from subdesk.clock import TestClock
from subdesk.config import Settings
from subdesk.context import Work
from subdesk.db import Database, make_engine
from subdesk.models import Account, Device, Plan, Subscription

SEED = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8"
CHUNK = 5000
SEATS = 3
PATH = "/api/v1/licenses/check-in"
HERE = Path(__file__).resolve().parent


def device_token(number: int) -> str:
    return f"sdd_bench_{number:08d}"  # bench/checkin.lua builds the same


def seed(url: str, n: int) -> None:
    """N devices, three to a subscription of an active 3-seat annual plan, seen just now."""
    now = datetime.now(UTC)
    started = now - timedelta(days=30)
    database = Database(url)
    runtime = build_runtime(
        Settings(database_url=url, signing_key=SEED, sandbox_ledger=None), clock=TestClock(started)
    )
    with database.transaction() as session:
        seed_catalog(Work(session, runtime))
    with database.transaction() as session:
        plan = session.scalars(select(Plan).where(Plan.code == "suite3-year-usd")).one()
        plan_id, price = plan.id, plan.renewal_price_minor
    for offset in range(0, n, CHUNK):
        accounts: list[dict[str, Any]] = []
        subs: list[dict[str, Any]] = []
        devices: list[dict[str, Any]] = []
        for number in range(offset, min(n, offset + CHUNK)):
            if number % SEATS == 0 or not subs:
                account_id, sub_id = uuid.uuid4(), uuid.uuid4()
                accounts.append(account_row(account_id, f"bench{number}@example.com", started))
                subs.append(
                    dict(
                        id=sub_id,
                        account_id=account_id,
                        plan_id=plan_id,
                        channel="direct",
                        status="active",
                        auto_renew=True,
                        started_at=started,
                        anchor_at=started,
                        period_number=1,
                        current_period_start=started,
                        current_period_end=started + timedelta(days=365),
                        next_action_at=started + timedelta(days=330),
                        agreed_price_minor=price,
                        created_at=started,
                        updated_at=started,
                    )
                )
            devices.append(
                dict(
                    id=uuid.uuid4(),
                    subscription_id=sub_id,
                    account_id=account_id,
                    fingerprint=f"bench-{number}",
                    name=f"PC {number}",
                    platform="windows",
                    token_hash=hashlib.sha256(device_token(number).encode()).hexdigest(),
                    status="active",
                    activated_at=started + timedelta(seconds=number),
                    last_seen_at=now,
                    removed_at=None,
                )
            )
        with database.transaction() as session:
            if accounts:
                session.execute(insert(Account), accounts)
                session.execute(insert(Subscription), subs)
            session.execute(insert(Device), devices)
    database.dispose()


class BareCheckIn:
    """The baseline: a raw ASGI callable, one SELECT of the device by its token hash."""

    def __init__(self) -> None:
        self._engine: Engine | None = None
        self._query = select(Device.id, Device.status, Device.subscription_id).where(
            Device.token_hash == bindparam("digest")
        )

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while (await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        token = ""
        for name, value in scope["headers"]:
            if name == b"authorization":
                token = value.decode("latin-1").partition(" ")[2]
        digest = hashlib.sha256(token.encode()).hexdigest()
        if self._engine is None:
            self._engine = make_engine(os.environ["SUBDESK_DATABASE_URL"], for_writes=False)
        with self._engine.connect() as conn:
            row = conn.execute(self._query, {"digest": digest}).first()
        answer = {"found": False} if row is None else {"found": True, "status": row.status}
        body = json.dumps({**answer, "device": str(row.id) if row else None}).encode()
        headers = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(body))]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})


bare_app = BareCheckIn()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def serve(
    target: str, url: str, workers: int, workdir: Path
) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SUBDESK_")}
    env.update(
        SUBDESK_DATABASE_URL=url,
        SUBDESK_SIGNING_KEY=SEED,
        SUBDESK_SANDBOX_LEDGER="",
        SUBDESK_DEVICE_REQUESTS_PER_MINUTE=str(10**9),
        SUBDESK_DEVICE_ADDRESS_REQUESTS_PER_MINUTE=str(10**9),
        PYTHONPATH=os.pathsep.join(filter(None, [str(HERE), os.environ.get("PYTHONPATH")])),
    )
    command = [sys.executable, "-m", "uvicorn", target, "--host", "127.0.0.1"]
    command += ["--port", str(port), "--workers", str(workers), "--no-access-log"]
    command += ["--log-level", "warning", "--loop", "uvloop", "--http", "httptools"]
    log = (workdir / f"{target.split(':')[0]}.log").open("ab")
    server = subprocess.Popen(command, env=env, cwd=workdir, stdout=log, stderr=log)
    base = f"http://127.0.0.1:{port}{PATH}"
    for _ in range(300):
        try:
            request = urllib.request.Request(
                base, method="POST", headers={"Authorization": f"Bearer {device_token(0)}"}
            )
            with urllib.request.urlopen(request, timeout=2) as response:  # noqa: S310 - loopback
                answer = json.loads(response.read())
            assert answer.get("code", "ACTIVE") == "ACTIVE", answer
            assert answer.get("found", True), answer
            return server, base
        except OSError:
            time.sleep(0.1)
    server.kill()
    raise SystemExit(f"{target} did not start; see {log.name}")


def drive(base: str, n: int, duration: str, connections: int) -> dict[str, float]:
    """One wrk run; its figures from the JSON line bench/checkin.lua prints."""
    command = ["wrk", "-t2", f"-c{connections}", f"-d{duration}", "--timeout", "5s"]
    command += ["-s", str(HERE / "checkin.lua"), base]
    env = {**os.environ, "BENCH_DEVICES": str(n)}
    output = subprocess.run(command, env=env, capture_output=True, text=True, check=True).stdout
    figures: dict[str, float] = json.loads(output.strip().splitlines()[-1])
    assert figures["non_2xx"] == 0, figures
    assert figures["socket_errors"] == 0, figures
    figures["per_second"] = figures["requests"] / (figures["duration_us"] / 1e6)
    return figures


def measure(target: str, url: str, args: argparse.Namespace, workdir: Path) -> dict[str, float]:
    server, base = serve(target, url, args.workers, workdir)
    try:
        drive(base, args.n, "2s", args.connections)  # warm up: caches, pools, workers
        return drive(base, args.n, args.duration, args.connections)
    finally:
        server.terminate()
        server.wait(timeout=30)


def report(
    backend: str, args: argparse.Namespace, rounds: list[dict[str, dict[str, float]]]
) -> None:
    print(
        f"backend {backend}, {args.n} devices, {args.connections} connections, "
        f"{args.workers} uvicorn worker(s), {args.duration} per run"
    )
    print(f"{'round':<6} {'server':<8} {'check-ins/s':>12} {'p50 ms':>8} {'p99 ms':>8}")
    for number, result in enumerate(rounds, 1):
        for name in ("subdesk", "bare"):
            f = result[name]
            print(
                f"{number:<6} {name:<8} {f['per_second']:>12,.0f} "
                f"{f['p50_us'] / 1000:>8.2f} {f['p99_us'] / 1000:>8.2f}"
            )
        ratio = result["subdesk"]["per_second"] / result["bare"]["per_second"]
        print(f"{number:<6} {'ratio':<8} {ratio:>12.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000, help="devices to seed")
    parser.add_argument(
        "--url", help="PostgreSQL URL (emptied!); SQLite in a temporary folder by default"
    )
    parser.add_argument("--duration", default="10s", help="of each measured wrk run")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", type=int, default=1, help="uvicorn workers (both servers)")
    parser.add_argument("--rounds", type=int, default=1, help="subdesk then bare, this many times")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: apt-get install wrk")
    workdir = Path(tempfile.mkdtemp(prefix="subdesk-bench-"))
    url = args.url or f"sqlite:///{workdir / 'bench.db'}"
    backend = "postgresql" if url.startswith("postgresql") else "sqlite"
    fresh_database(url)
    seed(url, args.n)
    rounds = [
        {
            "subdesk": measure("subdesk.asgi:app", url, args, workdir),
            "bare": measure("checkin:bare_app", url, args, workdir),
        }
        for _ in range(args.rounds)
    ]
    shutil.rmtree(workdir, ignore_errors=True)
    report(backend, args, rounds)


if __name__ == "__main__":
    main()
