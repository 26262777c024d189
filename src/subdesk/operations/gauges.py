"""The gauges read from the database at scrape time, as a prometheus_client collector."""

from __future__ import annotations

import logging
from collections.abc import Iterator

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.metrics_core import Metric
from prometheus_client.registry import Collector

from subdesk.clock import Clock
from subdesk.db import Database
from subdesk.operations import backlog
from subdesk.operations.backlog import Queue

log = logging.getLogger("subdesk.operations")


def _gauge(name: str, text: str, value: float) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, text, value=value)


def _queue(name: str, what: str, queue: Queue) -> Iterator[Metric]:
    yield _gauge(f"subdesk_{name}_backlog", f"{what} waiting to be sent (at most {backlog.CAP}).",
                 queue.count)  # fmt: skip
    yield _gauge(f"subdesk_{name}_oldest_age_seconds",
                 f"How long the oldest of the {what.lower()} waiting has waited.",
                 queue.oldest_age)  # fmt: skip


class DatabaseGauges(Collector):
    """Read on every scrape, by the one process scraped (not per API process)."""

    def __init__(self, database: Database, clock: Clock) -> None:
        self.database = database
        self.clock = clock

    def collect(self) -> Iterator[Metric]:
        try:
            with self.database.reading() as session:
                readings = backlog.read(session, self.clock.now())
        except Exception:  # the scrape still answers, and says the database is away
            log.warning("metrics: the database could not be read", exc_info=True)
            yield _gauge("subdesk_database_up", "1 if the scrape could read the database.", 0)
            return
        yield _gauge("subdesk_database_up", "1 if the scrape could read the database.", 1)
        yield from _queue("outbox_emails", "Emails", readings.emails)
        yield _gauge("subdesk_emails_failed", "Emails given up on (at most the cap).",
                     readings.emails_failed)  # fmt: skip
        yield from _queue("webhook_deliveries", "Webhook deliveries", readings.webhooks)
        yield _gauge("subdesk_webhook_deliveries_failed", "Webhook deliveries given up on.",
                     readings.webhooks_failed)  # fmt: skip
        yield from self._attempts(readings)
        yield _gauge("subdesk_worker_lag_seconds",
                     "Age of the oldest due subscriptions.next_action_at (0: nothing overdue).",
                     readings.due.oldest_age)  # fmt: skip
        yield _gauge("subdesk_subscriptions_due", "Subscriptions whose next action is due.",
                     readings.due.count)  # fmt: skip
        cases = GaugeMetricFamily("subdesk_cases_open", "Unresolved support cases by age.",
                                  labels=["age"])  # fmt: skip
        for age, count in readings.cases_open.items():
            cases.add_metric([age], count)
        yield cases

    def _attempts(self, readings: backlog.Readings) -> Iterator[Metric]:
        count = GaugeMetricFamily(
            "subdesk_payment_attempts", "Payment attempts whose outcome is open, by state.",
            labels=["state"],
        )  # fmt: skip
        age = GaugeMetricFamily(
            "subdesk_payment_attempts_oldest_age_seconds",
            "How long the oldest attempt in each open state has been in it.", labels=["state"],
        )  # fmt: skip
        for state, queue in readings.attempts.items():
            count.add_metric([state], queue.count)
            age.add_metric([state], queue.oldest_age)
        yield count
        yield age
