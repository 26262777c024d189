"""The long-running worker: repeat the renewal pass, sleep when idle, stop on SIGTERM/SIGINT."""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections import Counter
from types import FrameType

from subdesk.audit.log import SYSTEM
from subdesk.billing.refund_attempts import reconcile_refunds
from subdesk.context import Runtime, Work
from subdesk.db import Database
from subdesk.licensing.devices import cull_stale
from subdesk.notifications.smtp import SmtpSender, deliver_pending
from subdesk.notifications.webhooks import deliver_due
from subdesk.operations import metrics
from subdesk.subscriptions import checkout
from subdesk.worker.duplicates import refund_duplicates
from subdesk.worker.notices import run_notices
from subdesk.worker.renewals import run_pass

log = logging.getLogger("subdesk.worker")


def run(
    database: Database, runtime: Runtime, *, once: bool = False, poll_seconds: float = 5.0
) -> Counter[str]:
    """Run passes until stopped (or one pass with `once`); returns the total outcomes."""
    stop = threading.Event()

    def request_stop(_signum: int, _frame: FrameType | None) -> None:
        stop.set()

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, request_stop)
        signal.signal(signal.SIGINT, request_stop)
    total: Counter[str] = Counter()
    sender = SmtpSender(runtime.settings)
    while not stop.is_set():
        started = time.perf_counter()
        outcomes = one_pass(database, runtime, sender)
        metrics.pass_finished(time.perf_counter() - started, time.time())
        total.update(outcomes)
        if outcomes:
            log.info("pass: %s", dict(outcomes), extra={"outcomes": dict(outcomes)})
        if once:
            break
        stop.wait(poll_seconds)
    return total


def _cull_stale_devices(database: Database, runtime: Runtime, batch: int = 500) -> int:
    total = 0
    while True:
        with database.transaction() as session:
            culled = cull_stale(Work(session, runtime, SYSTEM), batch)
        total += culled
        if culled < batch:
            return total


def one_pass(database: Database, runtime: Runtime, sender: SmtpSender) -> Counter[str]:
    """Everything due now: renewals, retries and ends of term, purchases to finish, duplicate
    purchases to undo, then the email outbox."""
    outcomes = run_pass(database, runtime, batch_size=runtime.settings.worker_batch_size)
    metrics.count_renewals(outcomes)
    refunds = reconcile_refunds(database, runtime)
    if refunds:
        outcomes["refunds_reconciled"] = refunds
    purchases = checkout.reconcile(database, runtime)
    if purchases:
        outcomes["purchases_reconciled"] = purchases
    duplicates = refund_duplicates(database, runtime)
    if duplicates:
        outcomes["duplicates_refunded"] = duplicates
    outcomes.update(run_notices(database, runtime))
    culled = _cull_stale_devices(database, runtime)
    if culled:
        outcomes["devices_culled"] = culled
    now = runtime.clock.now()
    sent = deliver_pending(database, sender, now)
    if sent:
        outcomes["emails_sent"] = sent
    delivered = deliver_due(database, now)
    if delivered:
        outcomes["webhooks_delivered"] = delivered
    return outcomes
