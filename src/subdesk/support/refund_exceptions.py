"""Refunds beyond policy: an agent asks with a reason, another person (a supervisor) decides."""

from __future__ import annotations

import uuid

from subdesk.billing import ledger
from subdesk.catalog.service import plan_of
from subdesk.context import Work
from subdesk.errors import NotFound
from subdesk.models import RefundException, StaffMember
from subdesk.money import Money
from subdesk.notifications import messages
from subdesk.subscriptions import repository as subscriptions
from subdesk.support import repository
from subdesk.support.actions import audit
from subdesk.support.rules import (
    ExceptionStatus,
    Permission,
    check_decision,
    check_exception_amount,
    checked_reason,
    require,
)

REFUND_REASON = "goodwill"


def request(
    work: Work,
    staff: StaffMember,
    account_id: uuid.UUID,
    subscription_id: uuid.UUID,
    amount: int,
    reason: str,
) -> RefundException:
    """Hold a refund beyond policy until a supervisor approves it; nothing moves yet."""
    require(staff.role, Permission.REQUEST_EXCEPTION)
    why = checked_reason(reason)
    subscription = subscriptions.get_owned(work.session, account_id, subscription_id)
    paid = repository.payments(work.session, subscription.id)
    check_exception_amount(amount, sum(ledger.refundable(p) for p in paid))
    plan = plan_of(work, subscription.plan_id)
    held = RefundException(
        id=uuid.uuid4(),
        account_id=account_id,
        subscription_id=subscription.id,
        amount_minor=amount,
        currency=plan.currency,
        reason=why,
        status=ExceptionStatus.PENDING.value,
        requested_by=staff.id,
        requested_at=work.now,
    )
    work.session.add(held)
    audit(
        work,
        "exception_requested",
        account_id,
        ("refund_exception", held.id),
        why,
        subscription_id=subscription.id,
        after={"status": held.status, **Money(amount, plan.currency).as_dict()},
    )
    return held


def get(work: Work, exception_id: uuid.UUID, *, lock: bool = False) -> RefundException:
    held = work.session.get(RefundException, exception_id, with_for_update=lock)
    if held is None:
        raise NotFound("No such exception.", code="exception_not_found")
    return held


def approve(work: Work, staff: StaffMember, exception_id: uuid.UUID, reason: str) -> None:
    """A second person approves: the refund is made now, newest payments first."""
    why = checked_reason(reason)
    held = get(work, exception_id, lock=True)
    check_decision(held.status, held.requested_by, staff.id, staff.role)
    subscription = subscriptions.get_owned(work.session, held.account_id, held.subscription_id)
    paid = repository.payments(work.session, subscription.id)
    check_exception_amount(held.amount_minor, sum(ledger.refundable(p) for p in paid))
    plan = plan_of(work, subscription.plan_id)
    left, refunds = held.amount_minor, []
    for payment in paid:
        part = min(left, ledger.refundable(payment))
        if part > 0:
            key = f"exception:{held.id}:{payment.id}"
            row = ledger.refund(work, payment, part, reason=REFUND_REASON, idempotency_key=key)
            messages.refund_issued(work, subscription, plan, row)
            refunds.append(str(row.id))
            left -= part
    _decide(work, staff, held, ExceptionStatus.APPROVED, why, {"refunds": refunds})


def reject(work: Work, staff: StaffMember, exception_id: uuid.UUID, reason: str) -> None:
    why = checked_reason(reason)
    held = get(work, exception_id, lock=True)
    check_decision(held.status, held.requested_by, staff.id, staff.role)
    _decide(work, staff, held, ExceptionStatus.REJECTED, why, {})


def _decide(
    work: Work,
    staff: StaffMember,
    held: RefundException,
    status: ExceptionStatus,
    reason: str,
    extra: dict[str, list[str]],
) -> None:
    held.status, held.decided_by, held.decided_at = status.value, staff.id, work.now
    held.decision_reason = reason
    audit(
        work,
        f"exception_{status.value}",
        held.account_id,
        ("refund_exception", held.id),
        reason,
        subscription_id=held.subscription_id,
        after={"status": status.value, "requested_by": str(held.requested_by), **extra},
    )
