"""The Prometheus metric families subdesk counts as it works, and their exposition.

Several API processes (`subdesk serve --workers N`) report together through
prometheus_client's multi-process mode: each writes its samples to files in
PROMETHEUS_MULTIPROC_DIR (which `subdesk serve` sets up and empties), and a scrape
of any of them reads them all. The environment variable must be set before
prometheus_client is first imported, which is why `subdesk serve` sets it itself.
"""

from __future__ import annotations

import os
from collections import Counter as Tally
from collections.abc import Callable, Iterable

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    start_http_server,
)
from prometheus_client.metrics_core import Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import REGISTRY, Collector
from sqlalchemy.orm import Session

from subdesk.db import after_commit

CONTENT_TYPE = CONTENT_TYPE_LATEST

HTTP_REQUESTS = Counter(
    "subdesk_http_requests",
    "HTTP requests answered, by route template (not the raw path), method and status.",
    ["route", "method", "status"],
)
HTTP_DURATION = Histogram(
    "subdesk_http_request_duration_seconds",
    "Time to answer an HTTP request, by route template and method.",
    ["route", "method"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
CHECK_INS = Counter(
    "subdesk_license_check_ins",
    "License check-ins answered, by the code answered (ACTIVE, EXPIRED, ...) or refusal.",
    ["code"],
)
RENEWALS = Counter(
    "subdesk_renewals",
    "What the worker's renewal passes did with due subscriptions, by outcome.",
    ["outcome"],
)
CHARGES = Counter(
    "subdesk_charges",
    "Charge attempts answered by the processor, by outcome and currency.",
    ["outcome", "currency"],
)
REFUNDS = Counter(
    "subdesk_refunds", "Refunds the processor answered, by outcome and currency.",
    ["outcome", "currency"],
)  # fmt: skip
WORKER_LAST_PASS = Gauge(
    "subdesk_worker_last_pass_timestamp_seconds",
    "When this worker last finished a pass (Unix time): its liveness.",
    multiprocess_mode="max",
)
WORKER_PASS_DURATION = Histogram(
    "subdesk_worker_pass_duration_seconds",
    "Time a worker pass took.",
    buckets=(0.1, 0.5, 1.0, 5.0, 15.0, 60.0, 300.0, 900.0),
)

# The check-in's children by code, bound once: its hot path does one dict lookup and one inc.
_check_ins: dict[str, Callable[[], None]] = {}


def count_check_in(code: str) -> None:
    inc = _check_ins.get(code)
    if inc is None:
        inc = _check_ins[code] = CHECK_INS.labels(code).inc
    inc()


def observe_request(route: str, method: str, status: int, seconds: float) -> None:
    HTTP_REQUESTS.labels(route, method, str(status)).inc()
    HTTP_DURATION.labels(route, method).observe(seconds)


def count_charge(session: Session, outcome: str, currency: str) -> None:
    """Count a charge's outcome once its unit of work commits (a rolled-back batch, redone
    one by one, counts each charge once)."""
    after_commit(session, lambda _db: CHARGES.labels(outcome, currency).inc())


def count_refund(session: Session, outcome: str, currency: str) -> None:
    after_commit(session, lambda _db: REFUNDS.labels(outcome, currency).inc())


def count_renewals(outcomes: Tally[str]) -> None:
    """What a renewal pass did (`worker.renewals.run_pass`'s counts)."""
    for outcome, count in outcomes.items():
        RENEWALS.labels(outcome).inc(count)


def pass_finished(seconds: float, finished_at: float) -> None:
    """A worker pass ended: its duration, and the worker's liveness."""
    WORKER_PASS_DURATION.observe(seconds)
    WORKER_LAST_PASS.set(finished_at)


def serve_worker_metrics(host: str, port: int) -> None:
    """This process's metrics over HTTP in a background thread (the worker's; keep it on
    loopback or behind the proxy: it has no authentication)."""
    start_http_server(port, addr=host)


def multiprocess_dir() -> str | None:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None


def exposition(extra: Iterable[Collector] = ()) -> bytes:
    """The text format of every process's samples (this one's alone outside multi-process
    mode) and of `extra` collectors, computed now (the database's gauges)."""
    registry = CollectorRegistry()
    if multiprocess_dir():
        MultiProcessCollector(registry)
    else:
        registry.register(_Default())
    for collector in extra:
        registry.register(collector)
    return generate_latest(registry)


class _Default(Collector):
    """The process's own registry as one collector of a scrape's registry."""

    def collect(self) -> Iterable[Metric]:
        return REGISTRY.collect()
