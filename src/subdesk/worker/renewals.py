"""The renewal pass: claim due subscriptions with row locks and act on each exactly once.

Workers on any number of machines share the work through PostgreSQL alone:
`FOR UPDATE SKIP LOCKED` hands each due subscription to one worker at a time,
and every action moves `next_action_at` forward in the same transaction, so a
crash at any point leaves the subscription due again and nothing half-done.
On SQLite the write lock of `BEGIN IMMEDIATE` serialises workers instead.
"""

from __future__ import annotations

import logging
from collections import Counter
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from subdesk.audit.log import SYSTEM
from subdesk.context import Runtime, Work
from subdesk.db import Database, savepoint
from subdesk.models import Account, PaymentMethod, Subscription
from subdesk.subscriptions.channels import STORES, Channel
from subdesk.subscriptions.renewal import end_at_period_end, expire, renew, roll_provider_period
from subdesk.subscriptions.rules import Status
from subdesk.subscriptions.schedule import Due, due_action

log = logging.getLogger("subdesk.worker")

# A subscription whose action failed unexpectedly is looked at again after this.
BACKOFF = timedelta(minutes=15)


def claim_due(session: Session, now: datetime, limit: int) -> list[Subscription]:
    query = (
        select(Subscription)
        .where(Subscription.next_action_at <= now)
        .order_by(Subscription.next_action_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list(session.scalars(query))


def preload(session: Session, batch: list[Subscription]) -> list[object]:
    """Load what acting on `batch` reads into the session; keep the result to keep them there."""
    if not batch:
        return []
    accounts = session.scalars(select(Account).where(Account.id.in_({s.account_id for s in batch})))
    method_ids = {s.payment_method_id for s in batch if s.payment_method_id}
    methods = session.scalars(select(PaymentMethod).where(PaymentMethod.id.in_(method_ids)))
    return [*accounts, *methods]


def act(work: Work, subscription: Subscription) -> str:
    """Do what is due for one subscription; returns what happened."""
    status = Status(subscription.status)
    if subscription.channel in STORES:
        # The store charges; past its expiry plus slack without a renewal from it, it ended.
        expire(work, subscription, reason="the store reported no renewal")
        return "expired"
    if subscription.channel == Channel.PROVIDER and status is Status.ACTIVE:
        roll_provider_period(work, subscription)
        return "renewed"
    due = due_action(
        status,
        subscription.auto_renew,
        subscription.retries_left,
        subscription.grace_ends_at,
        work.now,
    )
    if due is Due.RENEW:
        return "renewed" if renew(work, subscription).renewed else "payment_failed"
    if due is Due.END:
        end_at_period_end(work, subscription)
        return "ended"
    if due is Due.EXPIRE:
        expire(work, subscription, reason="grace period over")
        return "expired"
    subscription.next_action_at = subscription.grace_ends_at if status is Status.PAST_DUE else None
    return "nothing"


def run_pass(database: Database, runtime: Runtime, *, batch_size: int = 500) -> Counter[str]:
    """Act on everything due now, one batch per transaction; returns counts by outcome."""
    outcomes: Counter[str] = Counter()
    while True:
        try:
            done = _batch(database, runtime, batch_size, one_by_one=False)
        except Exception:
            # Something in the batch failed: redo it one subscription at a time, so the
            # others go through and the broken one is set aside (charges are idempotent).
            log.warning("renewal batch failed; retrying one by one", exc_info=True)
            done = _batch(database, runtime, batch_size, one_by_one=True)
        outcomes.update(done)
        if not done:  # until nothing is due, so an overdue one catches up period by period
            return outcomes


def _batch(database: Database, runtime: Runtime, size: int, *, one_by_one: bool) -> Counter[str]:
    outcomes: Counter[str] = Counter()
    with database.transaction() as session:
        work = Work(session, runtime, SYSTEM)
        batch = claim_due(session, work.now, size)
        # Read the batch's accounts and cards in two queries, not two per subscription.
        held = preload(session, batch)
        for subscription in batch:
            if one_by_one:
                outcomes[_act_safely(work, session, subscription)] += 1
            else:
                outcomes[act(work, subscription)] += 1
        del held
    return outcomes


def _act_safely(work: Work, session: Session, subscription: Subscription) -> str:
    try:
        with savepoint(session):
            return act(work, subscription)
    except Exception:
        # One broken subscription must not stop the run; it is retried later.
        log.exception("renewal action failed", extra={"subscription_id": str(subscription.id)})
        subscription.next_action_at = work.now + BACKOFF
        return "error"
