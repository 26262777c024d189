"""Paying now in three steps: the order and its charge committed as a payment attempt, the
processor asked with no transaction open, and the order carried out from its answer. The
orders are a purchase (the first charge, then the subscription) and an upgrade (the
prorated charge, then the bigger plan).

An order is idempotent by its key (the client's Idempotency-Key or form key, or one
derived from the order): a repeat gets the first answer back; a repeat while the
first is still with the processor gets 409; a repeat after an answer was lost looks
the charge up by the attempt's reference and finishes the order. If the process
dies after the charge, the worker finishes it the same way (`reconcile`), from the
order kept in the attempt.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable
from contextlib import suppress
from dataclasses import asdict, dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from subdesk import idempotency
from subdesk.audit.log import Actor
from subdesk.billing import charge_attempts
from subdesk.billing.batch import AnsweredGateway, charge_all
from subdesk.billing.charge_attempts import OpenAttempt
from subdesk.billing.gateway import (
    Charge,
    ChargeAnswer,
    ChargeAttempt,
    ChargeFound,
    GatewayUnavailable,
)
from subdesk.billing.payment_methods import get_method
from subdesk.context import Runtime, Work
from subdesk.db import Database, savepoint
from subdesk.errors import Conflict, PaymentFailed, SubdeskError
from subdesk.models import PaymentAttempt, Subscription
from subdesk.money import Money
from subdesk.subscriptions import lifecycle, purchase, queries
from subdesk.subscriptions.duplicate_purchases import DuplicatePurchase

Answer = tuple[int, dict[str, Any]]
# How each surface answers a finished order: what a repeat of its request replays.
SURFACES: dict[str, Callable[[Work, Subscription, str | None], Answer]] = {
    "api": lambda work, sub, _change: (
        201, _described(work, sub),
    ),
    "api_plan": lambda work, sub, change: (
        200, {"change": change, "subscription": _described(work, sub)},
    ),
    "portal": lambda _work, sub, _change: (303, {"id": str(sub.id)}),
}  # fmt: skip
ASK, LOOK_UP, LOOK_UP_RECENT = "ask", "look_up", "look_up_recent"
# A purchase sent without a key is taken for a retry of the same order within this time.
DERIVED_KEY_WINDOW = timedelta(minutes=10)


class PurchaseInProgress(Conflict):
    code = "purchase_in_progress"


class _Finished(Exception):  # noqa: N818 - a signal, not an error
    """The order turned out finished by a parallel request: undo this unit, give its answer."""

    def __init__(self, answer: Answer) -> None:
        super().__init__("finished")
        self.answer = answer


class PaymentPending(SubdeskError):
    """The processor gave no answer: the purchase is settled by a retry with the same key,
    or by the worker, never charged twice."""

    status = 503
    code = "payment_pending"


@dataclass(frozen=True, slots=True)
class PlanChangeNow:
    """An upgrade paid now (any other plan change waits for the end of the term: no charge)."""

    subscription_id: uuid.UUID
    plan_id: uuid.UUID
    idempotency_key: str


@dataclass(frozen=True, slots=True)
class Order:
    """A purchase or an upgrade as the customer sent it, and how its answer is kept."""

    account_id: uuid.UUID
    deal: purchase.Purchase | PlanChangeNow
    surface: str  # a key of SURFACES
    scope: str  # the idempotency record's scope
    fingerprint: str
    client_ip: str | None = None
    user_agent: str | None = None

    @property
    def key(self) -> str:
        return self.deal.idempotency_key

    def as_intent(self) -> dict[str, Any]:
        order = {k: _plain(v) for k, v in asdict(self).items()}
        order["deal"] = {k: _plain(v) for k, v in asdict(self.deal).items()}
        order["deal_kind"] = "plan_change" if isinstance(self.deal, PlanChangeNow) else "purchase"
        return order

    @classmethod
    def from_intent(cls, intent: dict[str, Any]) -> Order:
        fields = {k: v for k, v in intent.items() if k != "deal_kind"}
        deal = dict(fields.pop("deal"))
        for name in ("plan_id", "payment_method_id", "subscription_id"):
            if name in deal:
                deal[name] = uuid.UUID(deal[name])
        made = PlanChangeNow if intent.get("deal_kind") == "plan_change" else purchase.Purchase
        fields["account_id"] = uuid.UUID(fields["account_id"])
        return cls(**fields, deal=made(**deal))

    def work(self, session: Session, runtime: Runtime) -> Work:
        actor = Actor.customer(self.account_id)
        return Work(session, runtime, actor, self.client_ip, self.user_agent)


def derived_key(account_id: uuid.UUID, order: dict[str, Any], now: datetime) -> str:
    """A key for a purchase sent without one: the same order within the window gets the same
    key, so a client's blind retry replays instead of charging again."""
    window = int(now.timestamp() // DERIVED_KEY_WINDOW.total_seconds())
    digest = hashlib.sha256(idempotency.request_fingerprint(order).encode()).hexdigest()[:32]
    return f"derived:{account_id}:{digest}:{window}"


def _described(work: Work, subscription: Subscription) -> dict[str, Any]:
    return queries.describe(work, [subscription])[0].model_dump(mode="json")


def _plain(value: object) -> object:
    return str(value) if isinstance(value, uuid.UUID) else value


@dataclass(frozen=True, slots=True)
class ToCharge:
    """What an order asks of the processor, and what its attempt belongs to."""

    charge: ChargeAttempt
    subscription_id: uuid.UUID | None
    period_number: int
    method_id: uuid.UUID
    kind: str


def _priced(work: Work, order: Order) -> ToCharge | Answer:
    """The order's charge, or (nothing to charge now) the order carried out: its answer."""
    deal = order.deal
    if isinstance(deal, PlanChangeNow):
        charge = lifecycle.upgrade_charge(
            work, order.account_id, deal.subscription_id, deal.plan_id, deal.idempotency_key
        )
        if charge is None:
            sub, change = lifecycle.change_plan(
                work, order.account_id, deal.subscription_id, deal.plan_id, deal.idempotency_key
            )
            return _remember(work, order, SURFACES[order.surface](work, sub, change.value))
        sub = work.session.get_one(Subscription, deal.subscription_id)
        assert sub.payment_method_id is not None  # noqa: S101 - upgrade_charge checked it
        return ToCharge(charge, sub.id, sub.period_number, sub.payment_method_id, "proration")
    try:
        checked = purchase.check_new_order(work, order.account_id, deal)
    except DuplicatePurchase:
        # A parallel request of this very order may have finished it since its answer was
        # looked for (the subscription and the answer commit together): that answer, then.
        stored = _stored(work.session, order)
        if stored is not None:
            return stored
        raise
    if not checked.charges_now:  # a trial: nothing to charge now
        subscription = purchase.subscribe(work, order.account_id, deal)
        return _remember(work, order, SURFACES[order.surface](work, subscription, None))
    charge = purchase.first_charge(work, checked.plan, order.account_id, deal, checked.method)
    return ToCharge(charge, None, 1, checked.method.id, "initial")


def buy(database: Database, runtime: Runtime, order: Order) -> Answer:
    """Carry out the order once for its key; returns the surface's answer (status, body), or
    raises the refusal (declined, in progress, pending) as any service does."""
    try:
        with database.transaction() as session:
            work = order.work(session, runtime)
            stored = _stored(session, order)
            if stored is not None:
                return stored
            priced = _priced(work, order)
            if not isinstance(priced, ToCharge):
                return priced
            opened = _open(work, order, priced)
            if not isinstance(opened[0], OpenAttempt):
                return opened  # finished by a parallel request meanwhile: its answer
            attempt, mode = opened
    except _Finished as finished:
        return finished.answer
    answer = _ask(runtime, attempt, mode)  # no transaction is open here
    if answer is None and mode == LOOK_UP_RECENT:
        # Lost moments ago: the processor may still be carrying it out, or not show it yet.
        raise _refusal(GatewayUnavailable("not confirmed yet"))
    return complete(database, runtime, order, attempt, answer)


def _stored(session: Session, order: Order) -> Answer | None:
    return idempotency.replay(session, order.scope, order.key, order.fingerprint)


def _open(work: Work, order: Order, priced: ToCharge) -> tuple[OpenAttempt, str] | Answer:
    """This order's open attempt (to look up: LOOK_UP, or LOOK_UP_RECENT within its lease,
    where finding nothing proves nothing yet), or a new one (to ask for: ASK)."""
    session, charge = work.session, priced.charge
    found = session.scalars(
        select(PaymentAttempt).where(
            PaymentAttempt.payment_key == charge.idempotency_key,
            PaymentAttempt.state.in_(charge_attempts.OPEN),
        )
    ).first()
    if found is not None:
        lease = charge_attempts.lease_of(work.settings)
        if found.state == "pending" and found.updated_at > work.now - lease:
            raise _in_progress()
        recent = found.updated_at > work.now - lease
        return _as_open(found, charge.token), LOOK_UP_RECENT if recent else LOOK_UP
    # A parallel request may have finished this order since its answer was first looked for
    # (its attempt's outcome and its answer commit together): asked again, never charged.
    stored = _stored(session, order)
    if stored is not None:
        return stored
    attempt = OpenAttempt(
        uuid.uuid4(), priced.subscription_id, priced.period_number, charge.idempotency_key,
        charge.token, charge.amount,
    )  # fmt: skip
    row = dict(
        id=attempt.id,
        account_id=order.account_id,
        subscription_id=priced.subscription_id,
        payment_method_id=priced.method_id,
        kind=priced.kind,
        period_number=priced.period_number,
        amount_minor=charge.amount.amount,
        currency=charge.amount.currency,
        payment_key=charge.idempotency_key,
        intent=order.as_intent(),
        state="pending",
        created_at=work.now,
        updated_at=work.now,
    )
    try:
        with savepoint(session):
            session.execute(insert(PaymentAttempt), [row])
    except IntegrityError:  # a parallel request with this key opened it first
        raise _in_progress() from None
    # An insert that waited on a parallel request's attempt goes through once that attempt is
    # settled (it leaves the open index): the order is done, and this attempt is undone.
    stored = _stored(session, order)
    if stored is not None:
        raise _Finished(stored)
    return attempt, ASK


def _as_open(row: PaymentAttempt, token: str) -> OpenAttempt:
    amount = Money(row.amount_minor, row.currency)
    return OpenAttempt(
        row.id, row.subscription_id, row.period_number, row.payment_key, token, amount
    )


def _ask(runtime: Runtime, attempt: OpenAttempt, mode: str) -> ChargeAnswer | ChargeFound | None:
    if mode == ASK:
        return charge_all(runtime.gateway, [attempt.call])[0]
    try:
        return runtime.gateway.find_charge(str(attempt.id))
    except GatewayUnavailable as unreachable:
        return unreachable


def complete(
    database: Database,
    runtime: Runtime,
    order: Order,
    attempt: OpenAttempt,
    answer: ChargeAnswer | ChargeFound | None,
) -> Answer:
    """Write what the processor answered: the subscription and its payment, or the refusal;
    the answer is kept for repeats of the order's key."""
    refusal: SubdeskError | None = None
    with database.transaction() as session:
        work = order.work(session, runtime)
        if not charge_attempts.settle(session, attempt, answer, work.now):
            stored = _stored(session, order)
            if stored is not None:
                return stored
            raise _in_progress()
        if isinstance(answer, Charge):
            done = _carried_out(work, order, attempt, answer)
            if not isinstance(done, SubdeskError):
                return done
            refusal = done
        else:
            refusal = _refusal(answer)
        if answer is not None and not isinstance(answer, GatewayUnavailable):
            _remember(work, order, (refusal.status, refusal.as_body()))
    raise refusal


def _in_progress() -> Conflict:
    return PurchaseInProgress("This order is being paid for; wait a moment.")


def _paying(work: Work, attempt: OpenAttempt, charge: Charge, token: str) -> Work:
    """`work` whose processor answers this charge with `charge`, and asks nothing."""
    call = ChargeAttempt(token, attempt.amount, attempt.payment_key)
    answered = AnsweredGateway(work.gateway, {attempt.payment_key: (call, charge)})
    runtime = replace(work.runtime, gateway=answered)
    return Work(work.session, runtime, work.actor, work.client_ip, work.user_agent)


def _carried_out(
    work: Work, order: Order, attempt: OpenAttempt, charge: Charge
) -> Answer | SubdeskError:
    deal = order.deal
    if isinstance(deal, PlanChangeNow):
        return _upgraded(work, order, deal, attempt, charge)
    method = get_method(work, order.account_id, deal.payment_method_id)
    paying = _paying(work, attempt, charge, method.gateway_token)
    subscription = purchase.subscribe(paying, order.account_id, deal)
    work.session.execute(
        update(PaymentAttempt)
        .where(PaymentAttempt.id == attempt.id)
        .values(subscription_id=subscription.id)
    )
    return _remember(work, order, SURFACES[order.surface](work, subscription, None))


def _upgraded(
    work: Work, order: Order, deal: PlanChangeNow, attempt: OpenAttempt, charge: Charge
) -> Answer | SubdeskError:
    """The bigger plan from now, if the subscription still allows it; if it changed while the
    charge was made (canceled, changed plan), the charge is recorded and refunded."""
    try:
        with savepoint(work.session):
            still = lifecycle.upgrade_charge(
                work, order.account_id, deal.subscription_id, deal.plan_id, deal.idempotency_key
            )
    except SubdeskError as refused:
        still, why = None, refused.message
    else:
        why = "The subscription changed while the upgrade was paid for."
    subscription = work.session.get_one(Subscription, deal.subscription_id)
    if still is None or still.idempotency_key != attempt.payment_key:
        lifecycle.refund_unmade_upgrade(work, subscription, charge, attempt.id)
        return Conflict(f"{why} The charge is refunded.", code="plan_change_refunded")
    paying = _paying(work, attempt, charge, still.token)
    sub, change = lifecycle.change_plan(
        paying, order.account_id, deal.subscription_id, deal.plan_id, deal.idempotency_key,
        charged=attempt.amount,
    )  # fmt: skip
    return _remember(work, order, SURFACES[order.surface](work, sub, change.value))


def _refusal(answer: ChargeAnswer | ChargeFound | None) -> SubdeskError:
    if isinstance(answer, GatewayUnavailable):
        return PaymentPending(
            "The payment processor has not confirmed the payment yet. Send the same request "
            "again (with the same Idempotency-Key) in a minute: it will not charge twice."
        )
    if isinstance(answer, SubdeskError):
        return answer
    return PaymentFailed("The payment did not reach the processor; try again.", code="retry")


def _remember(work: Work, order: Order, answer: Answer) -> Answer:
    idempotency.remember(work.session, order.scope, order.key, order.fingerprint, answer, work.now)
    return answer


def reconcile(database: Database, runtime: Runtime, limit: int = 100) -> int:
    """Finish every purchase whose process died (or lost the answer) after asking for its
    first charge: by what the processor knows of the attempt's reference."""
    now, lease = runtime.clock.now(), charge_attempts.lease_of(runtime.settings)
    with database.transaction() as session:
        lost = list(
            session.scalars(
                select(PaymentAttempt)
                .where(
                    PaymentAttempt.intent.is_not(None),
                    PaymentAttempt.state.in_(charge_attempts.OPEN),
                    PaymentAttempt.updated_at <= now - lease,
                )
                .order_by(PaymentAttempt.updated_at)
                .limit(limit)
            )
        )
    finished = 0
    for row in lost:
        assert row.intent is not None  # noqa: S101 - selected so
        answer = _ask(runtime, _as_open(row, ""), LOOK_UP)
        if isinstance(answer, GatewayUnavailable):
            continue
        # Declined or never received: the attempt is settled, and nothing else to record.
        with suppress(SubdeskError):
            complete(database, runtime, Order.from_intent(row.intent), _as_open(row, ""), answer)
        finished += 1
    return finished
