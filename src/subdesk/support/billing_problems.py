"""Billing problems: duplicate charges (with a one-click refund of the duplicate) and charges
made after a confirmed cancellation, which should never exist."""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass

from subdesk.billing import ledger
from subdesk.catalog.service import plan_of
from subdesk.context import Work
from subdesk.errors import Conflict, NotFound
from subdesk.models import Cancellation, Payment, Refund, StaffMember, Subscription
from subdesk.money import Money
from subdesk.notifications import messages
from subdesk.subscriptions import lifecycle
from subdesk.subscriptions import repository as subscriptions
from subdesk.support import repository
from subdesk.support.actions import audit
from subdesk.support.rules import (
    DUPLICATE_REFUND_REASON,
    Charge,
    DuplicateKind,
    Permission,
    checked_reason,
    duplicate_refund_key,
    duplicates,
    require,
)


@dataclass(frozen=True, slots=True)
class Duplicate:
    """A payment that should not have been taken, and the charge it repeats."""

    kind: DuplicateKind
    payment: Payment
    kept_id: uuid.UUID  # the payment (same period) or subscription (same product) that stays

    @property
    def refundable(self) -> int:
        return ledger.refundable(self.payment)


def find_duplicates(work: Work) -> list[Duplicate]:
    """Every duplicate charge: a period charged twice, or a second live subscription of one
    product on an account."""
    return _same_period(work) + _same_product(work)


def _same_period(work: Work) -> list[Duplicate]:
    groups: dict[tuple[uuid.UUID, int], list[Payment]] = defaultdict(list)
    for payment in repository.payments_charged_twice(work.session):
        groups[(payment.subscription_id, payment.period_number)].append(payment)
    found = []
    for payments in groups.values():
        by_id = {p.id: p for p in payments}
        extra = duplicates([Charge(p.id, p.captured_at) for p in payments])
        kept = next(p.id for p in payments if p.id not in extra)
        found += [Duplicate(DuplicateKind.SAME_PERIOD, by_id[i], kept) for i in extra]
    return found


def _same_product(work: Work) -> list[Duplicate]:
    groups: dict[tuple[uuid.UUID, uuid.UUID], list[Subscription]] = defaultdict(list)
    for subscription, product_id in repository.same_product_subscriptions(work.session):
        groups[(subscription.account_id, product_id)].append(subscription)
    found = []
    for subs in groups.values():
        extra = duplicates([Charge(s.id, s.started_at) for s in subs])
        kept = next(s.id for s in subs if s.id not in extra)
        for sub_id in extra:
            payment = repository.latest_payment(work.session, sub_id)
            if payment is not None:
                found.append(Duplicate(DuplicateKind.SAME_PRODUCT, payment, kept))
    return found


def charged_after_cancellation(work: Work) -> list[tuple[Payment, Cancellation]]:
    return repository.charged_after_cancellation(work.session)


def refund_duplicate(work: Work, staff: StaffMember, payment_id: uuid.UUID, reason: str) -> Refund:
    """Refund a duplicate charge in full; a second click (or a race) refunds nothing more."""
    require(staff.role, Permission.REFUND_DUPLICATE)
    why = checked_reason(reason)
    key = duplicate_refund_key(payment_id)
    payment = work.session.get(Payment, payment_id, with_for_update=True)
    if payment is None:
        raise NotFound("No such payment.", code="payment_not_found")
    done = repository.refund_by_key(work.session, key)
    if done is not None:
        return done
    duplicate = _duplicate(work, payment)
    if duplicate is None:
        raise Conflict(
            "This payment is not a duplicate charge; use a refund within policy instead.",
            code="not_a_duplicate",
        )
    if duplicate.refundable <= 0:
        raise Conflict("This payment has been refunded already.", code="already_refunded")
    return _refund(work, duplicate, key, why)


def _duplicate(work: Work, payment: Payment) -> Duplicate | None:
    """The report's verdict on one payment, from its own rows only (no scan on a click)."""
    session = work.session
    period = repository.period_payments(session, payment.subscription_id, payment.period_number)
    extra = duplicates([Charge(p.id, p.captured_at) for p in period])
    if payment.id in extra:
        kept = next(p.id for p in period if p.id not in extra)
        return Duplicate(DuplicateKind.SAME_PERIOD, payment, kept)
    live = repository.live_of_same_product(session, payment.subscription_id)
    extra = duplicates([Charge(s.id, s.started_at) for s in live])
    latest = repository.latest_payment(session, payment.subscription_id)
    if payment.subscription_id in extra and latest is not None and latest.id == payment.id:
        kept = next(s.id for s in live if s.id not in extra)
        return Duplicate(DuplicateKind.SAME_PRODUCT, payment, kept)
    return None


def _refund(work: Work, duplicate: Duplicate, key: str, why: str) -> Refund:
    payment = duplicate.payment
    subscription = subscriptions.get_owned(
        work.session, payment.account_id, payment.subscription_id
    )
    plan = plan_of(work, subscription.plan_id)
    amount = duplicate.refundable
    row = ledger.refund(work, payment, amount, reason=DUPLICATE_REFUND_REASON, idempotency_key=key)
    messages.refund_issued(work, subscription, plan, row)
    if duplicate.kind is DuplicateKind.SAME_PRODUCT and subscription.auto_renew:
        # The second subscription must not charge again; it protects until its end date.
        lifecycle.set_auto_renew(work, subscription.account_id, subscription.id, False)
    audit(
        work,
        "duplicate_refunded",
        payment.account_id,
        ("payment", payment.id),
        why,
        subscription_id=subscription.id,
        after={
            "kind": duplicate.kind.value,
            "kept": str(duplicate.kept_id),
            "refund": str(row.id),
            **Money(amount, payment.currency).as_dict(),
        },
    )
    return row
