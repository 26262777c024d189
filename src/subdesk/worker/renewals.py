"""The renewal pass: claim due subscriptions with row locks, charge them with none held, and
act on each exactly once.

Workers on any number of machines share the work through PostgreSQL alone:
`FOR UPDATE SKIP LOCKED` hands each due subscription to one worker at a time.
A batch takes three steps, so that no transaction is open and no row is locked
while the processor is asked (it may take seconds, or never answer):

1. claim (one short transaction): everything due that moves no money is done;
   each renewal's charge is written as a pending payment
   attempt, and its subscription held for the attempt's lease (`next_action_at`
   moved on);
2. call (no transaction): the processor is asked for every charge, paced;
3. record (short transactions of a few subscriptions each): the subscriptions are
   locked again and each answer is acted on. A subscription canceled while its charge was in flight
   keeps its cancellation: a captured charge is recorded and refunded at once.

An add-on is looked at after the main subscriptions of its batch, and against its main
plan as acted on so far (`addon_rules.addon_step`): one whose main plan ended or does
not renew is ended, never charged; a main plan that ends here wakes its add-ons.

A crash between 1 and 3 leaves pending attempts; an answer that never came
leaves unknown ones. No new attempt starts for a subscription with one open:
the reconciler (`reconcile_charges`) asks the processor about it by its
reference first. On SQLite the write lock of `BEGIN IMMEDIATE` serialises
workers instead of row locks.
"""

from __future__ import annotations

import logging
import uuid
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import suppress
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from functools import partial
from typing import TypeVar

from sqlalchemy import select

from subdesk.audit.log import SYSTEM, Actor, record
from subdesk.billing import charge_attempts
from subdesk.billing.batch import AnsweredGateway, Pacer, charge_all, find_all
from subdesk.billing.charge_attempts import OpenAttempt
from subdesk.billing.gateway import (
    Charge,
    ChargeAnswer,
    ChargeFound,
    GatewayUnavailable,
)
from subdesk.billing.tax import charge as tax
from subdesk.context import Runtime, Work
from subdesk.db import Database, savepoint
from subdesk.errors import Conflict, PaymentFailed
from subdesk.models import Account, PaymentMethod
from subdesk.subscriptions import addons, repository
from subdesk.subscriptions.addon_rules import AddonStep, addon_step
from subdesk.subscriptions.cancellation import end_with_main
from subdesk.subscriptions.channels import STORES, Channel
from subdesk.subscriptions.renewal import (
    AUTHENTICATION_REQUIRED,
    end_at_period_end,
    expire,
    refund_unwanted_charge,
    renew,
    roll_provider_period,
    upcoming_charge,
)
from subdesk.subscriptions.rules import LIVE, Status
from subdesk.subscriptions.schedule import due_action
from subdesk.subscriptions.state import SubscriptionState
from subdesk.worker import claims
from subdesk.worker.claims import Claim, ClaimedSubscription

log = logging.getLogger("subdesk.worker")

# A subscription whose action failed unexpectedly is looked at again after this.
BACKOFF = timedelta(minutes=15)
CHARGING = "charging"
# A subscription whose last attempt is still open is looked at again after this.
AWAIT_RECONCILE = timedelta(minutes=1)


def preload(work: Work, batch: Sequence[SubscriptionState]) -> list[object]:
    """Load what acting on `batch` reads into the session (accounts, cards, and where each
    customer is taxed); keep the result to keep them there."""
    if not batch:
        return []
    session = work.session
    accounts = session.scalars(select(Account).where(Account.id.in_({s.account_id for s in batch})))
    method_ids = {s.payment_method_id for s in batch if s.payment_method_id}
    methods = session.scalars(select(PaymentMethod).where(PaymentMethod.id.in_(method_ids)))
    tax.read_evidence(work, [(s.account_id, s.payment_method_id) for s in batch])
    return [*accounts, *methods]


class Step(StrEnum):
    STORE_LAPSED = "store_lapsed"  # the store charges; it reported no renewal in time
    PROVIDER_PERIOD = "provider_period"  # the provider bills; the period just moves on
    RENEW = "renew"
    END = "end"
    EXPIRE = "expire"
    NOTHING = "nothing"
    ADDON_END = "addon_end"  # an add-on whose main plan stops: it ends, never charged again
    ADDON_CANCEL = "addon_cancel"  # an add-on whose main plan ended while it ran
    ADDON_WAIT = "addon_wait"  # an add-on whose main plan stops later: looked at at its end


def due_step(work: Work, subscription: SubscriptionState) -> Step:
    """What `act` does now: an add-on's main plan is looked at first."""
    if subscription.main_subscription_id is not None and subscription.status in LIVE:
        verdict = addon_step(
            addons.main_of(work, subscription),
            period_end=subscription.current_period_end,
            access_ends_at=subscription.access_ends_at,
            now=work.now,
        )
        if verdict is AddonStep.END:
            return Step.ADDON_END
        if verdict is AddonStep.CANCEL_NOW:
            return Step.ADDON_CANCEL
        if verdict is AddonStep.WAIT:
            return Step.ADDON_WAIT
    return step_of(subscription, work.now)


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
    step = due_step(work, subscription)
    if step is Step.ADDON_END:
        end_at_period_end(work, subscription, reason="its main plan ended or does not renew")
        return "ended_with_main"
    if step is Step.ADDON_CANCEL:
        end_with_main(work, subscription.id)
        return "canceled_with_main"
    if step is Step.ADDON_WAIT:
        subscription.next_action_at = subscription.access_ends_at or subscription.current_period_end
        return "nothing"
    if step is Step.STORE_LAPSED:
        # The store charges; past its expiry plus slack without a renewal from it, it ended.
        expire(work, subscription, reason="the store reported no renewal")
        return "expired"
    if step is Step.PROVIDER_PERIOD:
        roll_provider_period(work, subscription)
        return "renewed"
    if step is Step.RENEW:
        return _renewal(work, subscription)
    if step is Step.END:
        end_at_period_end(work, subscription)
        return "ended"
    if step is Step.EXPIRE:
        expire(work, subscription, reason="grace period over")
        return "expired"
    past_due = subscription.status == Status.PAST_DUE
    subscription.next_action_at = subscription.grace_ends_at if past_due else None
    return "nothing"


def _renewal(work: Work, subscription: SubscriptionState) -> str:
    outcome = renew(work, subscription)
    if outcome.renewed:
        return "renewed"
    waiting = outcome.decline_code == AUTHENTICATION_REQUIRED
    return "awaiting_authentication" if waiting else "payment_failed"


@dataclass(slots=True)
class Asked:
    """A claimed batch's attempts, and (after step 2) what the processor answered each."""

    attempts: list[OpenAttempt]
    answers: list[ChargeAnswer | ChargeFound | None]
    outcomes: Counter[str]

    def parts(self, size: int) -> Iterator[Asked]:
        """The attempts and their answers, `size` at a time."""
        for start in range(0, len(self.attempts), size):
            end = start + size
            yield Asked(self.attempts[start:end], self.answers[start:end], Counter())


class Processor:
    """The processor as the worker calls it: a concurrency bound and a shared pace."""

    def __init__(self, runtime: Runtime) -> None:
        settings = runtime.settings
        self.gateway = runtime.gateway
        self.concurrency = settings.processor_concurrency
        limit = settings.processor_requests_per_second
        storage = settings.redis_url or "memory://"
        self.pacer = Pacer(limit, storage) if limit else None

    def ask(self, attempts: Sequence[OpenAttempt]) -> list[ChargeAnswer]:
        calls = [attempt.call for attempt in attempts]
        return charge_all(self.gateway, calls, concurrency=self.concurrency, pacer=self.pacer)

    def find(
        self, attempts: Sequence[OpenAttempt]
    ) -> list[ChargeFound | GatewayUnavailable | None]:
        references = [str(attempt.id) for attempt in attempts]
        return find_all(self.gateway, references, concurrency=self.concurrency, pacer=self.pacer)


def run_pass(
    database: Database,
    runtime: Runtime,
    *,
    batch_size: int = 500,
    processor: Processor | None = None,
) -> Counter[str]:
    """Act on everything due now, one batch at a time; returns counts by outcome."""
    processor = processor or Processor(runtime)
    outcomes = reconcile_charges(database, runtime, processor=processor, chunk=batch_size)
    # Until nothing is due, so an overdue one catches up period by period.
    while done := _batch(database, runtime, processor, batch_size):
        outcomes.update(done)
    return outcomes


def _batch(
    database: Database,
    runtime: Runtime,
    processor: Processor,
    size: int,
    *,
    careful: bool | None = None,
) -> Counter[str]:
    """One batch through the three steps. The batch is claimed in one short transaction (it
    moves no money, and skips rows a customer holds); the answers are recorded a few
    subscriptions at a time (`worker_lock_size`) in transactions of their own, so a customer's
    cancellation waits at most for those few. Each
    part that fails as a whole is redone one subscription at a time (`careful`), so the
    others go through and a broken one is set aside. `careful` given: that way only (the
    tests compare both)."""
    asked = _step(partial(_claim, database, runtime, size), careful)
    if asked.attempts:
        asked.answers = list(processor.ask(asked.attempts))  # no transaction is open here
        asked.outcomes.update(_record_in_parts(database, runtime, asked, careful))
    return asked.outcomes


def _record_in_parts(
    database: Database, runtime: Runtime, asked: Asked, careful: bool | None
) -> Counter[str]:
    """Step 3, `worker_lock_size` subscriptions per transaction."""
    outcomes: Counter[str] = Counter()
    for part in asked.parts(max(1, runtime.settings.worker_lock_size)):
        outcomes.update(_step(partial(_record, database, runtime, part), careful))
    return outcomes


T = TypeVar("T")


def _step(step: Callable[[bool], T], careful: bool | None) -> T:
    if careful is not None:
        return step(careful)
    try:
        return step(False)
    except Exception:
        log.warning("renewal batch failed; retrying one by one", exc_info=True)
        return step(True)


def _claim(
    database: Database,
    runtime: Runtime,
    size: int,
    careful: bool,
    only: list[uuid.UUID] | None = None,
) -> Asked:
    """Step 1: claim a batch, do what moves no money, and commit each charge's attempt."""
    asked = Asked([], [], Counter())
    with database.transaction() as session:
        work = Work(session, runtime, SYSTEM)
        claim = claims.claim_due(session, work.now, size, only)
        held = preload(work, claim.rows)
        waiting = charge_attempts.with_open_attempts(session, [row.id for row in claim.rows])
        for index in _mains_first(work, claim):
            subscription = claim.rows[index]
            starting = partial(_start, work, subscription, waiting, asked)
            outcome = _each(work, claim, index, careful, starting)
            if outcome != CHARGING:  # counted by what its answer does
                asked.outcomes[outcome] += 1
        claims.write_back(session, claim)
        del held
    return asked


def _mains_first(work: Work, claim: Claim, order: list[int] | None = None) -> list[int]:
    """The batch's indexes (in `order`, else as claimed), main subscriptions before add-ons,
    which read their main plan as acted on in this batch."""
    work.cache[addons.CLAIMED] = {row.id: row for row in claim.rows}
    indexes = range(len(claim.rows)) if order is None else order
    return sorted(indexes, key=lambda i: claim.rows[i].main_subscription_id is not None)


def _start(
    work: Work, subscription: ClaimedSubscription, waiting: set[uuid.UUID], asked: Asked
) -> str:
    if due_step(work, subscription) is not Step.RENEW:
        return act(work, subscription)
    if subscription.id in waiting:  # its last attempt's outcome is not known yet
        subscription.next_action_at = work.now + AWAIT_RECONCILE
        return "awaiting_reconciliation"
    charge = upcoming_charge(work, subscription)
    if charge is None or subscription.payment_method_id is None:
        return act(work, subscription)  # no usable card: a failure that moves no money
    attempt = charge_attempts.open_attempt(
        work.session,
        account_id=subscription.account_id,
        subscription_id=subscription.id,
        method_id=subscription.payment_method_id,
        kind="initial" if subscription.period_number == 0 else "renewal",
        period_number=subscription.period_number + 1,
        charge=charge,
        now=work.now,
    )
    subscription.next_action_at = work.now + charge_attempts.lease_of(work.settings)
    asked.attempts.append(attempt)
    return CHARGING


def _record(database: Database, runtime: Runtime, asked: Asked, careful: bool) -> Counter[str]:
    """Step 3: lock the subscriptions again and act on each answer."""
    outcomes: Counter[str] = Counter()
    by_subscription: dict[uuid.UUID, tuple[OpenAttempt, ChargeAnswer | ChargeFound | None]] = {}
    for attempt, answer in zip(asked.attempts, asked.answers, strict=True):
        if attempt.subscription_id is not None:  # renewals only; purchases are a checkout's
            by_subscription[attempt.subscription_id] = (attempt, answer)
    with database.transaction() as session:
        work = Work(session, runtime, SYSTEM)
        claim = claims.lock(session, list(by_subscription))
        held = preload(work, claim.rows)
        index_of = {row.id: index for index, row in enumerate(claim.rows)}
        claimed = [index_of[subscription_id] for subscription_id in by_subscription]
        for index in _mains_first(work, claim, claimed):  # as claimed
            attempt, answer = by_subscription[claim.rows[index].id]
            settling = partial(settle_answer, work, claim.rows[index], attempt, answer)
            outcomes[_each(work, claim, index, careful, settling)] += 1
        claims.write_back(session, claim)
        del held
    return outcomes


def settle_answer(
    work: Work,
    subscription: SubscriptionState,
    attempt: OpenAttempt,
    answer: ChargeAnswer | ChargeFound | None,
) -> str:
    """Act on what the processor answered one attempt (the subscription's row locked)."""
    if not charge_attempts.settle(work.session, attempt, answer, work.now):
        if (
            isinstance(answer, Charge)
            and charge_attempts.recorded_charge(work.session, attempt.id) != answer.charge_id
        ):
            # Taken for lost and settled otherwise while this answer was on its way (a call
            # that outlived the lease): the charge is not kept.
            refund_unwanted_charge(work, subscription, answer, attempt.id)
            return "refunded_late"
        return "settled_elsewhere"  # that process recorded the rest
    if isinstance(answer, GatewayUnavailable):
        subscription.next_action_at = work.now  # the reconciler asks the processor first
        return "unknown"
    wanted = upcoming_charge(work, subscription)
    if wanted is None or (wanted.idempotency_key, wanted.amount) != (
        attempt.payment_key,
        attempt.amount,
    ):
        # Canceled, turned off or changed meanwhile: what is due now (if anything) is done
        # on its next look; the charge, if captured, is not kept.
        if subscription.next_action_at is not None:
            subscription.next_action_at = work.now
        if isinstance(answer, Charge):
            refund_unwanted_charge(work, subscription, answer, attempt.id)
            return "refunded_unwanted"
        return "dropped"
    if answer is None:  # the processor never received it: nothing happened, try again
        subscription.next_action_at = work.now
        return "not_received"
    answered = AnsweredGateway(work.gateway, {attempt.payment_key: (wanted, answer)})
    recording = Work(
        work.session, replace(work.runtime, gateway=answered), work.actor, cache=work.cache
    )
    return _renewal(recording, subscription)  # what the attempt was made for, whatever is due


def _each(work: Work, claim: Claim, index: int, careful: bool, action: Callable[[], str]) -> str:
    """Run one subscription's action; carefully, a failure undoes only that one."""
    if not careful:
        return action()
    try:
        with savepoint(work.session):
            return action()
    except Exception:
        # One broken subscription must not stop the run; it is retried later.
        subscription = claim.rows[index]
        log.exception("renewal action failed", extra={"subscription_id": str(subscription.id)})
        claims.restore(claim, index)
        subscription.next_action_at = work.now + BACKOFF
        return "error"


def retry_now(database: Database, runtime: Runtime, subscription_id: uuid.UUID) -> Counter[str]:
    """Do now what is due for one subscription (a past-due customer's new card), by the same
    steps as the worker: its charge is asked with no transaction open."""
    asked = _claim(database, runtime, 1, True, [subscription_id])
    if asked.attempts:
        asked.answers = list(Processor(runtime).ask(asked.attempts))
        asked.outcomes.update(_record(database, runtime, asked, True))
    return asked.outcomes


def reconcile_charges(
    database: Database,
    runtime: Runtime,
    limit: int = 500,
    *,
    processor: Processor | None = None,
    chunk: int = 100,
) -> Counter[str]:
    """Learn from the processor what became of every attempt whose answer was lost (by its
    reference, which outlives the idempotency key), and act on it as on a fresh answer.

    `chunk` attempts at a time are looked up (concurrently and paced, like charges) and what
    was found is recorded before the next chunk is read: a worker killed midway keeps what
    it learned, and one that starts meanwhile reads on past what was settled."""
    processor = processor or Processor(runtime)
    outcomes: Counter[str] = Counter()
    asked = 0
    while asked < limit:
        with database.reading() as session:
            lease = charge_attempts.lease_of(runtime.settings)
            lost = charge_attempts.lost(
                session, runtime.clock.now(), lease, min(chunk, limit - asked)
            )
        if not lost:
            break
        found = Asked(lost, list(processor.find(lost)), Counter())
        outcomes.update(_record_in_parts(database, runtime, found, careful=True))
        asked += len(lost)
    return Counter({f"reconciled_{k}": v for k, v in outcomes.items()})


def confirm_authentication(
    database: Database, runtime: Runtime, account_id: uuid.UUID, subscription_id: uuid.UUID
) -> str:
    """The customer confirmed with their bank the renewal payment it held (3-D Secure): the
    waiting attempt is asked after again, and recorded as any answer; returns the outcome."""
    with database.transaction() as session:
        work = Work(session, runtime, Actor.customer(account_id))
        subscription = repository.get_owned(session, account_id, subscription_id, lock=True)
        attempt = charge_attempts.held_for_customer(
            session, subscription.id, subscription.period_number + 1
        )
        if attempt is None or not charge_attempts.reopen(session, attempt.id, work.now):
            raise Conflict(
                "No payment of this subscription waits for your confirmation.",
                code="nothing_to_confirm",
            )
        record(
            session, actor=work.actor, action="payment.authentication_confirmed",
            entity=("payment_attempt", attempt.id), account_id=account_id,
            subscription_id=subscription.id, before={"state": "requires_action"},
            after={"state": "unknown"}, now=work.now,
        )  # fmt: skip
    authenticate = getattr(runtime.gateway, "authenticate", None)
    if callable(authenticate):  # the sandbox stands in for the bank's page
        with suppress(PaymentFailed):
            authenticate(str(attempt.id))
    try:
        answer: ChargeAnswer | ChargeFound | None = runtime.gateway.find_charge(str(attempt.id))
    except GatewayUnavailable as unreachable:
        answer = unreachable
    outcomes = _record(database, runtime, Asked([attempt], [answer], Counter()), careful=True)
    return next(iter(outcomes), "unknown")


def held_payment(
    work: Work, account_id: uuid.UUID, subscription_id: uuid.UUID
) -> OpenAttempt | None:
    """The customer's renewal payment the bank holds for their confirmation, if any."""
    subscription = repository.get_owned(work.session, account_id, subscription_id)
    return charge_attempts.held_for_customer(
        work.session, subscription.id, subscription.period_number + 1
    )
