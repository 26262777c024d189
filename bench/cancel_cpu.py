"""Benchmark: what one customer cancellation ("now") costs the API, in process, on PostgreSQL.

    python bench/cancel_cpu.py --url postgresql+psycopg://postgres@127.0.0.1:5432/bench_processor

Starts `subdesk sandbox-processor`, seeds N customers with one due monthly subscription
each on a card tokenized there (as bench/renewals_processor.py does), then cancels them one
after another through the app (`TestClient`, so no other request competes): prints the
latency p50/p99, the process CPU time per cancellation and the statements one sends. The
database given is emptied first. Run it on another checkout with PYTHONPATH=<its src> to
compare two versions in one sitting.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import time
from typing import Any

from renewals import fresh_database
from renewals_processor import API_KEY, SEED, SUBDESK, free_port, seed, tokenize, wait_for
from sqlalchemy import event


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True, help="PostgreSQL URL (emptied!)")
    parser.add_argument("--n", type=int, default=300, help="cancellations (20 more warm up)")
    args = parser.parse_args()
    port = free_port()
    processor = subprocess.Popen(  # noqa: S603 - our own command
        [SUBDESK, "sandbox-processor", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    try:
        run(args, f"http://127.0.0.1:{port}")
    finally:
        processor.terminate()
        processor.wait()


def run(args: argparse.Namespace, processor_url: str) -> None:
    wait_for(f"{processor_url}/_sandbox/stats")
    fresh_database(args.url)
    count = args.n + 20
    cancels = seed(args.url, tokenize(processor_url, count), set(range(count)))
    for name in [k for k in os.environ if k.startswith("SUBDESK_")]:
        del os.environ[name]
    os.environ.update(
        SUBDESK_DATABASE_URL=args.url,
        SUBDESK_SIGNING_KEY=SEED,
        SUBDESK_GATEWAY="stripe",
        SUBDESK_STRIPE_API_KEY=API_KEY,
        SUBDESK_STRIPE_API_BASE=processor_url,
        SUBDESK_SMTP_PORT="9",
    )
    from fastapi.testclient import TestClient

    from subdesk.app import create_app

    app = create_app()
    statements: list[str] = []

    def note(*_args: Any) -> None:
        statements.append("")

    with TestClient(app) as client:

        def cancel(bearer: str, subscription_id: str) -> float:
            started = time.perf_counter()
            response = client.post(
                f"/api/v1/subscriptions/{subscription_id}/cancel",
                json={"when": "now"},
                headers={"Authorization": f"Bearer {bearer}"},
            )
            assert response.status_code == 200, response.text  # noqa: S101 - a bench
            return time.perf_counter() - started

        for bearer, subscription_id in cancels[:20]:
            cancel(bearer, subscription_id)
        event.listen(app.state.database.engine, "before_cursor_execute", note)
        cancel(*cancels[20])
        sent = len(statements)
        event.remove(app.state.database.engine, "before_cursor_execute", note)
        cpu = time.process_time()
        latencies = sorted(cancel(b, s) for b, s in cancels[21:])
        cpu = time.process_time() - cpu
    p = statistics.quantiles(latencies, n=100)
    print(
        f"{len(latencies)} cancellations: p50 {p[49] * 1000:.1f} ms, p99 {p[98] * 1000:.1f} ms, "
        f"CPU {cpu / len(latencies) * 1000:.1f} ms each, {sent} statements"
        " (besides COPY, BEGIN and COMMIT)"
    )


if __name__ == "__main__":
    main()
