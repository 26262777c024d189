"""Benchmark: the worker's CPU time per renewal, in process, by how many it records a transaction.

    python bench/renewal_cpu.py --n 2000                   # SQLite in a temporary folder
    python bench/renewal_cpu.py --n 2000 --lock-sizes 20,500 --url postgresql+psycopg://...

Seeds N due monthly subscriptions (as bench/renewals.py does) for each lock size, runs one
`run_pass` against the in-process sandbox processor, and prints the process CPU time per
renewal. CPU time, not wall time: it changes little with what else the machine runs.
The PostgreSQL database given is emptied first.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from renewals import SEED, fresh_database, seed

from subdesk.app import build_runtime
from subdesk.config import Settings
from subdesk.db import Database
from subdesk.worker.renewals import run_pass


def cpu_per_renewal(url: str, n: int, lock_size: int) -> float:
    fresh_database(url)
    seed(url, n)
    database = Database(url)
    settings = Settings(
        database_url=url, signing_key=SEED, sandbox_ledger=None, worker_lock_size=lock_size
    )
    runtime = build_runtime(settings)
    started = time.process_time()
    outcomes = run_pass(database, runtime, batch_size=500)
    spent = time.process_time() - started
    database.dispose()
    assert outcomes["renewed"] == n, f"renewed {outcomes['renewed']} of {n}"
    return spent / n


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--lock-sizes", default="20,500", help="SUBDESK_WORKER_LOCK_SIZE values")
    parser.add_argument("--url", help="PostgreSQL URL (emptied!); SQLite by default")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="subdesk-bench-"))
    url = args.url or f"sqlite:///{workdir / 'bench.db'}"
    for size in (int(part) for part in args.lock_sizes.split(",")):
        seconds = cpu_per_renewal(url, args.n, size)
        print(f"lock size {size:>4}: {seconds * 1000:.2f} ms of CPU per renewal ({args.n:,})")


if __name__ == "__main__":
    main()
