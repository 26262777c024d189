"""What staff do on a customer's behalf, each with a reason and an audit event of its own."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from subdesk.audit.log import record
from subdesk.billing import ledger
from subdesk.billing.refunds import RefundBasis
from subdesk.catalog.service import plan_of
from subdesk.context import Work
from subdesk.errors import Conflict, NotFound
from subdesk.licensing import devices
from subdesk.models import Cancellation, Payment, Refund, StaffMember
from subdesk.money import Money
from subdesk.notifications import messages
from subdesk.notifications.outbox import queue_email_to
from subdesk.subscriptions import cancellation, lifecycle
from subdesk.subscriptions import repository as subscriptions
from subdesk.subscriptions.cancellation import When
from subdesk.support import repository
from subdesk.support.rules import (
    Permission,
    can_resend,
    checked_reason,
    policy_allowance,
    require,
    split_refund,
)


def audit(
    work: Work,
    action: str,
    account_id: uuid.UUID,
    entity: tuple[str, Any],
    reason: str,
    *,
    subscription_id: uuid.UUID | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    """The staff action itself, beside the domain's own events: who, for whom, and why."""
    record(
        work.session,
        actor=work.actor,
        action=f"support.{action}",
        entity=entity,
        account_id=account_id,
        subscription_id=subscription_id,
        after=after,
        reason=reason,
        now=work.now,
    )


def cancel(
    work: Work,
    staff: StaffMember,
    account_id: uuid.UUID,
    subscription_id: uuid.UUID,
    when: When,
    reason: str,
) -> Cancellation:
    require(staff.role, Permission.ACT_FOR_CUSTOMER)
    why = checked_reason(reason)
    done = cancellation.cancel(work, account_id, subscription_id, when, why)
    audit(
        work,
        f"canceled_{when.value}",
        account_id,
        ("subscription", subscription_id),
        why,
        subscription_id=subscription_id,
        after={"cancellation_id": done.public_id},
    )
    return done


def turn_off_auto_renew(
    work: Work, staff: StaffMember, account_id: uuid.UUID, subscription_id: uuid.UUID, reason: str
) -> None:
    require(staff.role, Permission.ACT_FOR_CUSTOMER)
    why = checked_reason(reason)
    lifecycle.set_auto_renew(work, account_id, subscription_id, False)
    entity = ("subscription", subscription_id)
    audit(work, "auto_renew_disabled", account_id, entity, why, subscription_id=subscription_id)


def remove_device(
    work: Work, staff: StaffMember, account_id: uuid.UUID, device_id: uuid.UUID, reason: str
) -> None:
    require(staff.role, Permission.ACT_FOR_CUSTOMER)
    why = checked_reason(reason)
    device = devices.get_owned(work, account_id, device_id)
    devices.remove(work, device, why)
    entity = ("device", device.id)
    audit(work, "device_removed", account_id, entity, why, subscription_id=device.subscription_id)


def resend_email(
    work: Work, staff: StaffMember, account_id: uuid.UUID, email_id: uuid.UUID, reason: str
) -> uuid.UUID:
    """Queue the same email again, from the outbox row as it was queued."""
    require(staff.role, Permission.ACT_FOR_CUSTOMER)
    why = checked_reason(reason)
    row = repository.email(work.session, account_id, email_id)
    if row is None:
        raise NotFound("No such email of this customer.", code="email_not_found")
    if not can_resend(row.template) or row.context is None:
        raise Conflict("Only confirmations and receipts can be sent again.", code="not_resendable")
    new_id = queue_email_to(
        work,
        row.to_address,
        row.locale,
        row.template,
        row.context,
        dedupe_key=f"resend:{row.id}:{uuid.uuid4()}",
        account_id=account_id,
        subscription_id=row.subscription_id,
    )
    audit(work, "email_resent", account_id, ("email", row.id), why, after={"copy": str(new_id)})
    return new_id


def currency_of(work: Work, account_id: uuid.UUID, subscription_id: uuid.UUID) -> str:
    subscription = subscriptions.get_owned(work.session, account_id, subscription_id)
    return plan_of(work, subscription.plan_id).currency


@dataclass(frozen=True, slots=True)
class RefundRoom:
    """How much of a subscription's money can come back: within policy, and at all."""

    within_policy: Money
    refundable: Money
    # Each payment of the current period, what may still come back of it, and on what basis.
    allowances: tuple[tuple[Payment, int, str], ...]


def refund_room(work: Work, account_id: uuid.UUID, subscription_id: uuid.UUID) -> RefundRoom:
    """The policy's amounts for the current period (as "cancel now" computes them), per payment."""
    view = cancellation.preview(work, account_id, subscription_id)
    now = next((c for c in view.choices if c.when is When.NOW), None)
    allowances = tuple(
        (
            item.payment,
            policy_allowance(
                item.amount, item.basis is RefundBasis.PRO_RATA, item.payment.refunded_minor
            ),
            item.basis.value,
        )
        for item in (now.refunds if now else ())
    )
    paid = repository.payments(work.session, subscription_id)
    currency = view.plan.currency
    return RefundRoom(
        Money(sum(a for _p, a, _b in allowances), currency),
        Money(sum(ledger.refundable(p) for p in paid), currency),
        allowances,
    )


def refund_within_policy(
    work: Work,
    staff: StaffMember,
    account_id: uuid.UUID,
    subscription_id: uuid.UUID,
    amount: int,
    reason: str,
    form_key: str,
) -> list[Refund]:
    """Refund up to what the policy allows now; a repeated form (same key) refunds once."""
    require(staff.role, Permission.REFUND_WITHIN_POLICY)
    why = checked_reason(reason)
    if amount <= 0:
        raise Conflict("The amount must be more than zero.", code="invalid_amount", field="amount")
    done = _refunds_with_prefix(work, f"staff:{form_key}:")
    if done:
        return done
    room = refund_room(work, account_id, subscription_id)
    parts = split_refund(amount, [a for _p, a, _b in room.allowances])
    made = []
    subscription = subscriptions.get_owned(work.session, account_id, subscription_id)
    plan = plan_of(work, subscription.plan_id)
    for (payment, _allowance, basis), part in zip(room.allowances, parts, strict=True):
        if part:
            key = f"staff:{form_key}:{payment.id}"
            row = ledger.refund(work, payment, part, reason=basis, idempotency_key=key)
            messages.refund_issued(work, subscription, plan, row)
            made.append(row)
    audit(
        work,
        "refund_within_policy",
        account_id,
        ("subscription", subscription_id),
        why,
        subscription_id=subscription_id,
        after={**Money(amount, plan.currency).as_dict(), "refunds": [str(r.id) for r in made]},
    )
    return made


def _refunds_with_prefix(work: Work, prefix: str) -> list[Refund]:
    query = select(Refund).where(Refund.idempotency_key.startswith(prefix, autoescape=True))
    return list(work.session.scalars(query))
