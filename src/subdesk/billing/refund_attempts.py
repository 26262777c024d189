"""Refunds as attempts: reserved and committed first, sent to the processor after the commit,
their outcome recorded in a second short transaction, and finished by the worker if lost.

A refund's amount is reserved on its payment with one conditional UPDATE
(`refunded_minor + disputed_minor + amount <= amount_minor`), so parallel refunds
of one payment, and its disputes, never add up past its capture, whatever each of
them read before. The refund's
row is its intent; its id travels to the processor as the refund's reference,
and its idempotency key is stable for the intent, so a retry resumes it.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from sqlalchemy import Table, select, update
from sqlalchemy.orm.attributes import set_committed_value

from subdesk.audit.log import SYSTEM, audit, record
from subdesk.billing import invoices
from subdesk.billing.gateway import GatewayUnavailable, PaymentFailed, RefundReceipt
from subdesk.context import Runtime, Work
from subdesk.db import Database, after_commit
from subdesk.errors import Conflict
from subdesk.models import Payment, Refund
from subdesk.money import Money
from subdesk.notifications import webhooks
from subdesk.operations import metrics

log = logging.getLogger("subdesk.billing")

_PAYMENTS: Table = Payment.__table__  # type: ignore[assignment]
# A pending refund younger than this is still being sent by the process that made it.
IN_FLIGHT = timedelta(minutes=2)


@dataclass(frozen=True, slots=True)
class RefundCall:
    """What the processor is asked, read once while the intent is written."""

    refund_id: uuid.UUID
    charge_id: str
    amount: Money
    idempotency_key: str


def request_refund(
    work: Work, payment: Payment, amount: int, *, reason: str, idempotency_key: str
) -> Refund:
    """Reserve `amount` of `payment` and commit the refund's intent; the processor is asked
    once the unit of work has committed. A repeated key returns the first refund."""
    session = work.session
    earlier = session.scalars(select(Refund).where(Refund.idempotency_key == idempotency_key))
    if (found := earlier.first()) is not None:
        return found
    before = payment.refunded_minor
    reserved = _reserve(work, payment, amount)
    row = Refund(
        id=uuid.uuid4(),
        payment_id=payment.id,
        account_id=payment.account_id,
        subscription_id=payment.subscription_id,
        amount_minor=amount,
        currency=payment.currency,
        reason=reason,
        status="pending",
        gateway_refund_id=None,
        idempotency_key=idempotency_key,
        created_at=work.now,
    )
    session.add(row)
    session.flush()
    money = Money(amount, payment.currency)
    record(
        session,
        actor=work.actor,
        action="refund.created",
        entity=("refund", row.id),
        account_id=payment.account_id,
        subscription_id=payment.subscription_id,
        before={"refunded": before},
        after={"refunded": reserved, **money.as_dict(), "reason": reason, "status": "pending"},
        now=work.now,
    )
    call = RefundCall(row.id, payment.gateway_charge_id, money, idempotency_key)
    after_commit(session, partial(send_refund, work.runtime, call))
    return row


def _reserve(work: Work, payment: Payment, amount: int) -> int:
    """Add `amount` to the payment's refunded total in one statement, or refuse."""
    if amount > 0:
        table = _PAYMENTS
        statement = (
            update(table)
            .where(
                table.c.id == payment.id,
                table.c.refunded_minor + table.c.disputed_minor + amount <= table.c.amount_minor,
            )
            .values(refunded_minor=table.c.refunded_minor + amount)
            .returning(table.c.refunded_minor)
        )
        total = work.session.execute(statement).scalar()
        if total is not None:
            set_committed_value(payment, "refunded_minor", total)
            return int(total)
    left = _left(work, payment)
    raise Conflict(
        f"At most {left} can be refunded of this payment.",
        code="refund_exceeds_captured",
        field="amount",
    )


def _left(work: Work, payment: Payment) -> int:
    """What can still be refunded of the payment, as committed now."""
    table = _PAYMENTS
    query = select(table.c.amount_minor - table.c.refunded_minor - table.c.disputed_minor)
    return int(work.session.execute(query.where(table.c.id == payment.id)).scalar_one())


def send_refund(runtime: Runtime, call: RefundCall, database: Database) -> str:
    """Ask the processor (no transaction open), then record what it answered; returns the
    refund's status. Unreachable, the refund stays pending for the worker."""
    try:
        receipt = runtime.gateway.refund(
            call.charge_id, call.amount, call.idempotency_key, reference=str(call.refund_id)
        )
    except GatewayUnavailable:
        log.warning("refund %s not answered; the worker retries it", call.refund_id)
        return "pending"
    except PaymentFailed as refused:
        with database.transaction() as session:
            return refund_failed(Work(session, runtime, SYSTEM), call.refund_id, refused.message)
    with database.transaction() as session:
        return refund_succeeded(Work(session, runtime, SYSTEM), call.refund_id, receipt)


def _locked(work: Work, refund_id: uuid.UUID, *statuses: str) -> Refund | None:
    """The refund, row-locked, if it is in one of `statuses`."""
    query = select(Refund).where(Refund.id == refund_id).with_for_update()
    row = work.session.scalars(query).one_or_none()
    return row if row is not None and row.status in statuses else None


def refund_succeeded(work: Work, refund_id: uuid.UUID, receipt: RefundReceipt) -> str:
    row = _locked(work, refund_id, "pending")
    if row is None:
        return "done"  # recorded already (a second sender, the reconciler, an event)
    row.status, row.gateway_refund_id = "succeeded", receipt.refund_id
    money = Money(row.amount_minor, row.currency)
    note = invoices.issue_credit_note(work, row)
    credit_note = {"credit_note": note.number} if note is not None else {}
    _audit(work, row, "refund.succeeded", {"status": "succeeded", **money.as_dict(), **credit_note})
    data = {
        "refund_id": str(row.id),
        "payment_id": str(row.payment_id),
        "subscription_id": str(row.subscription_id),
        "account_id": str(row.account_id),
        **money.as_dict(),
        "reason": row.reason,
        **credit_note,
    }
    webhooks.emit(work, "refund.created", data)
    metrics.count_refund(work.session, "succeeded", row.currency)
    return "succeeded"


def refund_failed(
    work: Work, refund_id: uuid.UUID, why: str, *, after_success: bool = False
) -> str:
    """The processor refused (or, `after_success`, reports that a refund it had made failed
    after all): the reservation is released, and the refund shows as failed."""
    row = _locked(work, refund_id, "pending", *(("succeeded",) if after_success else ()))
    if row is None:
        return "done"
    before = row.status
    row.status = "failed"
    table = _PAYMENTS
    work.session.execute(
        update(table)
        .where(table.c.id == row.payment_id)
        .values(refunded_minor=table.c.refunded_minor - row.amount_minor)
    )
    _audit(work, row, "refund.failed", {"status": "failed", "why": why[:200]}, before)
    metrics.count_refund(work.session, "failed", row.currency)
    return "failed"


def _audit(
    work: Work, row: Refund, action: str, after: dict[str, object], before: str = "pending"
) -> None:
    audit(
        work,
        action=action,
        entity=("refund", row.id),
        account_id=row.account_id,
        subscription_id=row.subscription_id,
        before={"status": before},
        after=after,
    )


def pending_calls(database: Database, now: datetime, limit: int = 200) -> list[RefundCall]:
    """Refunds left pending past their sender's time: to look up, or send again."""
    with database.reading() as session:
        rows = session.execute(
            select(Refund.id, Payment.gateway_charge_id, Refund.amount_minor)
            .add_columns(Refund.currency, Refund.idempotency_key)
            .join(Payment, Payment.id == Refund.payment_id)
            .where(Refund.status == "pending", Refund.created_at <= now - IN_FLIGHT)
            .order_by(Refund.created_at)
            .limit(limit)
        ).all()
    return [RefundCall(r[0], r[1], Money(r[2], r[3]), r[4]) for r in rows]


def reconcile_refunds(database: Database, runtime: Runtime) -> int:
    """Finish every refund whose outcome was lost: the processor is asked by the refund's
    reference first (it may have forgotten the key), and only then asked again."""
    finished = 0
    for call in pending_calls(database, runtime.clock.now()):
        try:
            found = runtime.gateway.find_refund(str(call.refund_id), charge_id=call.charge_id)
        except GatewayUnavailable:
            continue
        if found is not None:
            with database.transaction() as session:
                refund_succeeded(Work(session, runtime, SYSTEM), call.refund_id, found)
        elif send_refund(runtime, call, database) == "pending":
            continue
        finished += 1
    return finished
