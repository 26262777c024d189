"""Buying in three steps: the order and its first charge committed as a payment attempt, the
processor asked with no transaction open, and the subscription written from its answer.

A purchase is idempotent by its key (the client's Idempotency-Key or form key, or
one derived from the order): a repeat gets the first answer back; a repeat while
the first is still with the processor gets 409; a repeat after an answer was lost
looks the charge up by the attempt's reference and finishes the purchase. If the
process dies after the charge, the worker finishes it the same way (`reconcile`),
from the order kept in the attempt.
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
from subdesk.models import IdempotencyRecord, PaymentAttempt, Subscription
from subdesk.money import Money
from subdesk.subscriptions import purchase, queries

Answer = tuple[int, dict[str, Any]]
# How each surface answers a finished purchase: what a repeat of its request replays.
SURFACES: dict[str, Callable[[Work, Subscription], Answer]] = {
    "api": lambda work, sub: (201, queries.describe(work, [sub])[0].model_dump(mode="json")),
    "portal": lambda _work, sub: (303, {"id": str(sub.id)}),
}
# A purchase sent without a key is taken for a retry of the same order within this time.
DERIVED_KEY_WINDOW = timedelta(minutes=10)


class PurchaseInProgress(Conflict):
    code = "purchase_in_progress"


class PaymentPending(SubdeskError):
    """The processor gave no answer: the purchase is settled by a retry with the same key,
    or by the worker, never charged twice."""

    status = 503
    code = "payment_pending"


@dataclass(frozen=True, slots=True)
class Order:
    """A purchase as the customer sent it, and how its answer is kept."""

    account_id: uuid.UUID
    purchase: purchase.Purchase
    surface: str  # a key of SURFACES
    scope: str  # the idempotency record's scope
    fingerprint: str
    client_ip: str | None = None
    user_agent: str | None = None

    def as_intent(self) -> dict[str, Any]:
        order = {k: str(v) if isinstance(v, uuid.UUID) else v for k, v in asdict(self).items()}
        order["purchase"] = {
            k: str(v) if isinstance(v, uuid.UUID) else v for k, v in asdict(self.purchase).items()
        }
        return order

    @classmethod
    def from_intent(cls, intent: dict[str, Any]) -> Order:
        bought = dict(intent["purchase"])
        bought["plan_id"] = uuid.UUID(bought["plan_id"])
        bought["payment_method_id"] = uuid.UUID(bought["payment_method_id"])
        fields = {**intent, "account_id": uuid.UUID(intent["account_id"])}
        return cls(**{**fields, "purchase": purchase.Purchase(**bought)})

    def work(self, session: Session, runtime: Runtime) -> Work:
        actor = Actor.customer(self.account_id)
        return Work(session, runtime, actor, self.client_ip, self.user_agent)


def derived_key(account_id: uuid.UUID, order: dict[str, Any], now: datetime) -> str:
    """A key for a purchase sent without one: the same order within the window gets the same
    key, so a client's blind retry replays instead of charging again."""
    window = int(now.timestamp() // DERIVED_KEY_WINDOW.total_seconds())
    digest = hashlib.sha256(idempotency.request_fingerprint(order).encode()).hexdigest()[:32]
    return f"derived:{account_id}:{digest}:{window}"


def buy(database: Database, runtime: Runtime, order: Order) -> Answer:
    """Buy once for this order's key; returns the surface's answer (status, body), or raises
    the refusal (declined, in progress, pending) as any service does."""
    with database.transaction() as session:
        work = order.work(session, runtime)
        stored = _stored(session, order)
        if stored is not None:
            return stored
        checked = purchase.check_order(work, order.account_id, order.purchase)
        if not checked.charges_now:  # a trial: nothing to charge now
            subscription = purchase.subscribe(work, order.account_id, order.purchase)
            return _remember(work, order, SURFACES[order.surface](work, subscription))
        charge = purchase.first_charge(
            checked.plan, order.account_id, order.purchase, checked.method
        )
        attempt, resuming = _open(work, order, charge)
    answer = _ask(runtime, attempt, resuming)  # no transaction is open here
    return complete(database, runtime, order, attempt, answer)


def _stored(session: Session, order: Order) -> Answer | None:
    return idempotency.replay(
        session, order.scope, order.purchase.idempotency_key, order.fingerprint
    )


def _open(work: Work, order: Order, charge: Any) -> tuple[OpenAttempt, bool]:
    """This order's open attempt (to look up: True), or a new one (to ask for: False)."""
    session = work.session
    found = session.scalars(
        select(PaymentAttempt).where(
            PaymentAttempt.payment_key == charge.idempotency_key,
            PaymentAttempt.state.in_(charge_attempts.OPEN),
        )
    ).first()
    if found is not None:
        lease = charge_attempts.lease_of(work.settings)
        if found.state == "pending" and found.created_at > work.now - lease:
            raise PurchaseInProgress("This purchase is being paid for; wait a moment.")
        return _as_open(found, charge.token), True
    attempt = OpenAttempt(
        uuid.uuid4(), None, 1, charge.idempotency_key, charge.token, charge.amount
    )
    row = dict(
        id=attempt.id,
        account_id=order.account_id,
        subscription_id=None,
        payment_method_id=order.purchase.payment_method_id,
        kind="initial",
        period_number=1,
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
        raise PurchaseInProgress("This purchase is being paid for; wait a moment.") from None
    return attempt, False


def _as_open(row: PaymentAttempt, token: str) -> OpenAttempt:
    amount = Money(row.amount_minor, row.currency)
    return OpenAttempt(
        row.id, row.subscription_id, row.period_number, row.payment_key, token, amount
    )


def _ask(
    runtime: Runtime, attempt: OpenAttempt, resuming: bool
) -> ChargeAnswer | ChargeFound | None:
    if not resuming:
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
            raise PurchaseInProgress("This purchase is being paid for; wait a moment.")
        if isinstance(answer, Charge):
            return _subscribed(work, order, attempt, answer)
        refusal = _refusal(answer)
        if answer is not None and not isinstance(answer, GatewayUnavailable):
            _remember(work, order, (refusal.status, refusal.as_body()))
    raise refusal


def _subscribed(work: Work, order: Order, attempt: OpenAttempt, charge: Charge) -> Answer:
    method = get_method(work, order.account_id, order.purchase.payment_method_id)
    call = ChargeAttempt(method.gateway_token, attempt.amount, attempt.payment_key)
    answered = AnsweredGateway(work.gateway, {attempt.payment_key: (call, charge)})
    paying = Work(
        work.session, replace(work.runtime, gateway=answered), work.actor, work.client_ip,
        work.user_agent,
    )  # fmt: skip
    subscription = purchase.subscribe(paying, order.account_id, order.purchase)
    work.session.execute(
        update(PaymentAttempt)
        .where(PaymentAttempt.id == attempt.id)
        .values(subscription_id=subscription.id)
    )
    return _remember(work, order, SURFACES[order.surface](work, subscription))


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
    work.session.add(
        IdempotencyRecord(
            scope=order.scope,
            key=order.purchase.idempotency_key,
            request_hash=order.fingerprint,
            status_code=answer[0],
            response=answer[1],
            created_at=work.now,
        )
    )
    work.session.flush()
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
                    PaymentAttempt.subscription_id.is_(None),
                    PaymentAttempt.intent.is_not(None),
                    (PaymentAttempt.state == "unknown")
                    | (
                        (PaymentAttempt.state == "pending")
                        & (PaymentAttempt.created_at <= now - lease)
                    ),
                )
                .order_by(PaymentAttempt.updated_at)
                .limit(limit)
            )
        )
    finished = 0
    for row in lost:
        assert row.intent is not None  # noqa: S101 - selected so
        answer = _ask(runtime, _as_open(row, ""), resuming=True)
        if isinstance(answer, GatewayUnavailable):
            continue
        # Declined or never received: the attempt is settled, and nothing else to record.
        with suppress(SubdeskError):
            complete(database, runtime, Order.from_intent(row.intent), _as_open(row, ""), answer)
        finished += 1
    return finished
