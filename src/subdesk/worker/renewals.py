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
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from subdesk.audit.log import SYSTEM
from subdesk.billing.batch import AnsweredGateway, charge_all, takes_batches
from subdesk.context import Runtime, Work
from subdesk.db import Database, savepoint
from subdesk.models import Account, PaymentMethod, Subscription
from subdesk.subscriptions.channels import STORES, Channel
from subdesk.subscriptions.renewal import (
    end_at_period_end,
    expire,
    renew,
    roll_provider_period,
    upcoming_charge,
)
from subdesk.subscriptions.rules import Status
from subdesk.subscriptions.schedule import due_action
from subdesk.subscriptions.state import SubscriptionState
from subdesk.worker import claims

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


def preload(session: Session, batch: Sequence[SubscriptionState]) -> list[object]:
    """Load what acting on `batch` reads into the session; keep the result to keep them there."""
    if not batch:
        return []
    accounts = session.scalars(select(Account).where(Account.id.in_({s.account_id for s in batch})))
    method_ids = {s.payment_method_id for s in batch if s.payment_method_id}
    methods = session.scalars(select(PaymentMethod).where(PaymentMethod.id.in_(method_ids)))
    return [*accounts, *methods]


class Step(StrEnum):
    STORE_LAPSED = "store_lapsed"  # the store charges; it reported no renewal in time
    PROVIDER_PERIOD = "provider_period"  # the provider bills; the period just moves on
    RENEW = "renew"
    END = "end"
    EXPIRE = "expire"
    NOTHING = "nothing"


def step_of(subscription: SubscriptionState, now: datetime) -> Step:
    """What `act` does with a subscription whose next action time has come."""
    status = Status(subscription.status)
    if subscription.channel in STORES:
        return Step.STORE_LAPSED
    if subscription.channel == Channel.PROVIDER and status is Status.ACTIVE:
        return Step.PROVIDER_PERIOD
    due = due_action(
        status, subscription.auto_renew, subscription.retries_left, subscription.grace_ends_at, now
    )
    return Step(due.value)


def act(work: Work, subscription: SubscriptionState) -> str:
    """Do what is due for one subscription; returns what happened."""
    step = step_of(subscription, work.now)
    if step is Step.STORE_LAPSED:
        # The store charges; past its expiry plus slack without a renewal from it, it ended.
        expire(work, subscription, reason="the store reported no renewal")
        return "expired"
    if step is Step.PROVIDER_PERIOD:
        roll_provider_period(work, subscription)
        return "renewed"
    if step is Step.RENEW:
        return "renewed" if renew(work, subscription).renewed else "payment_failed"
    if step is Step.END:
        end_at_period_end(work, subscription)
        return "ended"
    if step is Step.EXPIRE:
        expire(work, subscription, reason="grace period over")
        return "expired"
    past_due = subscription.status == Status.PAST_DUE
    subscription.next_action_at = subscription.grace_ends_at if past_due else None
    return "nothing"


def run_pass(database: Database, runtime: Runtime, *, batch_size: int = 500) -> Counter[str]:
    """Act on everything due now, one batch per transaction; returns counts by outcome."""
    outcomes: Counter[str] = Counter()
    while True:
        try:
            done = _batch(database, runtime, batch_size)
        except Exception:
            # Something in the batch failed: redo it one subscription at a time, so the
            # others go through and the broken one is set aside (charges are idempotent).
            log.warning("renewal batch failed; retrying one by one", exc_info=True)
            done = _batch_one_by_one(database, runtime, batch_size)
        outcomes.update(done)
        if not done:  # until nothing is due, so an overdue one catches up period by period
            return outcomes


def _batch(database: Database, runtime: Runtime, size: int) -> Counter[str]:
    """One batch from plain copies of the rows: the processor asked once for all its
    charges, the rows written back in one statement. Any failure undoes all of it."""
    outcomes: Counter[str] = Counter()
    with database.transaction() as session:
        work = Work(session, runtime, SYSTEM)
        claim = claims.claim_due(session, work.now, size)
        # Read the batch's accounts and cards in two queries, not two per subscription.
        held = preload(session, claim.rows)
        work = _charges_asked_ahead(work, claim.rows)
        for subscription in claim.rows:
            outcomes[act(work, subscription)] += 1
        claims.write_back(session, claim)
        del held
    return outcomes


def _charges_asked_ahead(work: Work, batch: Sequence[SubscriptionState]) -> Work:
    """`work` whose gateway already holds the answers to the charges the batch will make,
    asked in one call (unless the processor takes them one at a time only)."""
    if not takes_batches(work.gateway):
        return work
    now = work.now
    attempts = [
        attempt
        for subscription in batch
        if step_of(subscription, now) is Step.RENEW
        and (attempt := upcoming_charge(work, subscription)) is not None
    ]
    if not attempts:
        return work
    answers = charge_all(work.gateway, attempts)
    gateway = AnsweredGateway(work.gateway, attempts, answers)
    runtime = replace(work.runtime, gateway=gateway)
    return Work(work.session, runtime, work.actor, cache=work.cache)


def _batch_one_by_one(database: Database, runtime: Runtime, size: int) -> Counter[str]:
    """The same batch through ORM objects, each subscription in its own savepoint."""
    outcomes: Counter[str] = Counter()
    with database.transaction() as session:
        work = Work(session, runtime, SYSTEM)
        batch = claim_due(session, work.now, size)
        held = preload(session, batch)
        for subscription in batch:
            outcomes[_act_safely(work, session, subscription)] += 1
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
