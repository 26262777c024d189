"""Cancellation: what cancelling would do now, and doing it once, with a signed receipt.

Repeating a cancellation returns the first one: a second "period_end" after a
"period_end", or anything after the subscription was canceled. A "now" after a
"period_end" cancels at once and supersedes it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from subdesk.audit.log import record
from subdesk.billing import ledger
from subdesk.billing.refunds import ChargeFacts, RefundBasis, RefundPolicy, refund_for_cancel_now
from subdesk.catalog.service import plan_of
from subdesk.context import Work
from subdesk.errors import Conflict
from subdesk.models import Cancellation, Payment, Plan, Subscription
from subdesk.money import Money
from subdesk.notifications import messages, webhooks
from subdesk.subscriptions import repository
from subdesk.subscriptions.channels import refuse_if_billed_elsewhere
from subdesk.subscriptions.periods import Period
from subdesk.subscriptions.rules import FINAL, Status, Transition, next_status
from subdesk.subscriptions.snapshot import event_data, snapshot


class When(StrEnum):
    NOW = "now"
    PERIOD_END = "period_end"


@dataclass(frozen=True, slots=True)
class PaymentRefund:
    payment: Payment
    amount: int
    basis: RefundBasis


@dataclass(frozen=True, slots=True)
class Choice:
    when: When
    refund: Money
    basis: RefundBasis
    protected_until: datetime
    refunds: tuple[PaymentRefund, ...] = ()


@dataclass(frozen=True, slots=True)
class Preview:
    subscription: Subscription
    plan: Plan
    choices: tuple[Choice, ...]
    existing: Cancellation | None


def preview(
    work: Work, account_id: uuid.UUID, subscription_id: uuid.UUID, *, withdrawal: bool = False
) -> Preview:
    subscription = repository.get_owned(work.session, account_id, subscription_id)
    return _preview(work, subscription, withdrawal=withdrawal)


def _preview(work: Work, subscription: Subscription, *, withdrawal: bool = False) -> Preview:
    plan = plan_of(work, subscription.plan_id)
    existing = repository.confirmed_cancellation(work.session, subscription.id)
    if subscription.status in FINAL:
        return Preview(subscription, plan, (), existing)
    period_end = Choice(
        When.PERIOD_END,
        Money.zero(plan.currency),
        RefundBasis.NONE,
        subscription.current_period_end,
    )
    now = _cancel_now(work, subscription, plan, withdrawal)
    return Preview(subscription, plan, (period_end, now), existing)


def _cancel_now(
    work: Work, subscription: Subscription, plan: Plan, withdrawal: bool = False
) -> Choice:
    policy = RefundPolicy(work.settings.refund_policy)
    payments = repository.period_payments(work.session, subscription)
    main = next((p for p in payments if p.kind != "proration"), None)
    if main is None:  # a trial: nothing was charged, protection ends now
        return Choice(When.NOW, Money.zero(plan.currency), RefundBasis.NONE, work.now)
    refunds = tuple(
        _refund_of(p, main, plan, subscription, policy, work.now, withdrawal) for p in payments
    )
    decision = refund_for_cancel_now(
        _facts(main, main, plan, subscription), policy, work.now, withdrawal=withdrawal
    )
    total = Money(sum(r.amount for r in refunds), plan.currency)
    return Choice(When.NOW, total, decision.basis, decision.access_until, refunds)


def _refund_of(
    payment: Payment,
    main: Payment,
    plan: Plan,
    subscription: Subscription,
    policy: RefundPolicy,
    now: datetime,
    withdrawal: bool = False,
) -> PaymentRefund:
    facts = _facts(payment, main, plan, subscription)
    decision = refund_for_cancel_now(facts, policy, now, withdrawal=withdrawal)
    return PaymentRefund(payment, decision.amount, decision.basis)


def _facts(payment: Payment, main: Payment, plan: Plan, subscription: Subscription) -> ChargeFacts:
    # An upgrade's prorated charge shares the guarantee of the charge it topped up.
    return ChargeFacts(
        captured=payment.amount_minor,
        already_refunded=ledger.taken_back(payment),
        captured_at=main.captured_at,
        first_paid=main.first_paid,
        period=Period(plan.period),
        guarantee_days=plan.guarantee_days,
        period_start=subscription.current_period_start,
        period_end=subscription.current_period_end,
    )


def cancel(
    work: Work,
    account_id: uuid.UUID,
    subscription_id: uuid.UUID,
    when: When,
    reason: str | None,
    *,
    withdrawal: bool = False,
) -> Cancellation:
    """Cancel once; a repeat returns the same cancellation and moves no money. A withdrawal
    (EU, see compliance.withdrawal) cancels now and refunds everything."""
    subscription = repository.get_owned(work.session, account_id, subscription_id, lock=True)
    refuse_if_billed_elsewhere(subscription.channel)
    existing = repository.confirmed_cancellation(work.session, subscription.id)
    if subscription.status in FINAL:
        if existing is not None:
            return existing
        raise Conflict("This subscription has already ended.", code="subscription_ended")
    if existing is not None and (when is When.PERIOD_END or existing.mode == When.NOW):
        return existing
    view = _preview(work, subscription, withdrawal=withdrawal)
    choice = next(c for c in view.choices if c.when is when)
    before = snapshot(subscription)
    cancellation = _new_cancellation(work, subscription, choice, reason)
    if existing is not None:
        existing.status = "superseded"
    _apply(work, subscription, choice)
    _refund(work, subscription, view.plan, cancellation, choice)
    cancellation.receipt = work.runtime.signer.sign(receipt_payload(cancellation, view.plan))
    messages.cancellation_confirmed(work, subscription, view.plan, cancellation)
    webhooks.emit(
        work,
        "subscription.canceled",
        event_data(subscription, cancellation_id=cancellation.public_id, when=when.value),
    )
    record(
        work.session,
        actor=work.actor,
        action=f"subscription.canceled_{when.value}",
        entity=("subscription", subscription.id),
        account_id=account_id,
        subscription_id=subscription.id,
        before=before,
        after={**snapshot(subscription), "cancellation_id": cancellation.public_id},
        reason=reason,
        now=work.now,
    )
    return cancellation


def _new_cancellation(
    work: Work, subscription: Subscription, choice: Choice, reason: str | None
) -> Cancellation:
    cancellation = Cancellation(
        id=uuid.uuid4(),
        public_id=ledger.public_reference("CXL"),
        subscription_id=subscription.id,
        account_id=subscription.account_id,
        mode=choice.when.value,
        status="confirmed",
        requested_at=work.now,
        effective_at=choice.protected_until,
        refund_minor=choice.refund.amount,
        currency=choice.refund.currency,
        reason=reason,
        receipt={},
    )
    work.session.add(cancellation)
    return cancellation


def _apply(work: Work, subscription: Subscription, choice: Choice) -> None:
    subscription.auto_renew = False
    subscription.access_ends_at = choice.protected_until
    subscription.updated_at = work.now
    # Past due, the paid period is already over: either choice ends it and every retry now.
    if choice.when is When.NOW or subscription.status == Status.PAST_DUE:
        subscription.status = next_status(Status(subscription.status), Transition.CANCEL).value
        subscription.canceled_at = work.now
        subscription.next_action_at = None
        subscription.access_ends_at = min(
            choice.protected_until, max(work.now, choice.protected_until)
        )


def _refund(
    work: Work, subscription: Subscription, plan: Plan, cancellation: Cancellation, choice: Choice
) -> None:
    for item in choice.refunds:
        if item.amount > 0:
            row = ledger.refund(
                work,
                item.payment,
                item.amount,
                reason=item.basis.value,
                idempotency_key=f"cancel:{cancellation.id}:{item.payment.id}",
            )
            cancellation.refund_id = cancellation.refund_id or row.id
            messages.refund_issued(work, subscription, plan, row)


def receipt_payload(cancellation: Cancellation, plan: Plan) -> dict[str, object]:
    return {
        "type": "cancellation",
        "issuer": "subdesk",
        "cancellation_id": cancellation.public_id,
        "subscription_id": str(cancellation.subscription_id),
        "plan": plan.name,
        "when": cancellation.mode,
        "requested_at": cancellation.requested_at.isoformat(),
        "protected_until": cancellation.effective_at.isoformat(),
        "refund": {"amount": cancellation.refund_minor, "currency": cancellation.currency},
        "further_charges": "none",
    }
