"""Renewing one subscription: charge the next period exactly once and move into it.

The renewal engine (the worker) finds what is due and calls `renew` per
subscription, with the row locked. The gateway idempotency key and the unique
payment key are both `period:<subscription>:<number>`, so a period is charged
at most once whatever retries or crashes happen.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import select

from subdesk.billing import ledger
from subdesk.billing.gateway import (
    AuthenticationRequired,
    CardDeclined,
    Charge,
    ChargeAttempt,
    GatewayUnavailable,
)
from subdesk.billing.payment_methods import get_method
from subdesk.catalog.service import plan_of
from subdesk.compliance.rules import NoticeKind, jurisdiction, renewal_price
from subdesk.compliance.service import first_notice_of_period
from subdesk.context import Work
from subdesk.errors import Conflict, NotFound
from subdesk.models import Account, Notice, Payment, Plan
from subdesk.money import Money
from subdesk.notifications import messages, webhooks
from subdesk.subscriptions import addons, repository
from subdesk.subscriptions.addon_rules import addon_may_renew
from subdesk.subscriptions.periods import Period, next_period_end
from subdesk.subscriptions.rules import Status, Transition, next_status
from subdesk.subscriptions.schedule import after_failure
from subdesk.subscriptions.snapshot import audit_change, event_data, snapshot
from subdesk.subscriptions.state import SubscriptionState

RENEWABLE = frozenset({Status.TRIALING, Status.ACTIVE, Status.PAST_DUE})
TRANSITION_ON_SUCCESS = {
    Status.TRIALING: Transition.CONVERT,
    Status.ACTIVE: Transition.RENEW,
    Status.PAST_DUE: Transition.RECOVER,
}


@dataclass(frozen=True, slots=True)
class RenewalOutcome:
    renewed: bool
    payment: ledger.Captured | None = None
    decline_code: str | None = None
    hard_decline: bool = False


@dataclass(frozen=True, slots=True)
class NextTerm:
    """The period a renewal moves into, and the plan it is on then."""

    plan: Plan
    number: int
    start: datetime
    end: datetime
    anchor: datetime


def renew(work: Work, subscription: SubscriptionState) -> RenewalOutcome:
    """Charge and advance a due subscription; a decline moves it to past_due instead."""
    status = Status(subscription.status)
    if status not in RENEWABLE or not subscription.auto_renew:
        raise Conflict("This subscription does not renew.", code="not_renewable")
    if work.now < subscription.current_period_end:
        raise Conflict("This subscription is not due yet.", code="not_due")
    if not main_allows_renewal(work, subscription):
        raise Conflict(
            "This add-on's main plan does not renew, so neither does the add-on.",
            code="addon_main_not_renewing",
        )
    term = next_term(work, subscription)
    plan, before = term.plan, snapshot(subscription)
    try:
        captured, card = _charge(work, subscription, term)
    except AuthenticationRequired as needed:
        return _awaiting_authentication(work, subscription, plan, before, needed)
    except (CardDeclined, GatewayUnavailable) as failure:
        return _failed(work, subscription, plan, before, failure)
    subscription.status = next_status(status, TRANSITION_ON_SUCCESS[status]).value
    subscription.plan_id, subscription.pending_plan_id = plan.id, None
    subscription.anchor_at, subscription.period_number = term.anchor, term.number
    subscription.current_period_start = term.start
    subscription.current_period_end = subscription.next_action_at = term.end
    if captured.kind == "renewal":
        subscription.agreed_price_minor = captured.amount.amount
    subscription.grace_ends_at, subscription.retries_left, subscription.failed_attempts = None, 0, 0
    subscription.next_notice_at = first_notice_of_period(work, subscription)
    subscription.updated_at = work.now
    audit_change(work, subscription, "subscription.renewed", before)
    messages.receipt(work, subscription, plan, captured, card)
    webhooks.emit(
        work,
        "subscription.renewed",
        event_data(
            subscription,
            amount=captured.amount.amount,
            currency=captured.amount.currency,
            invoice=captured.invoice_number,
        ),
    )
    return RenewalOutcome(True, captured)


def _due_for_renewal(work: Work, subscription: SubscriptionState) -> bool:
    """What `renew` checks before charging: live, auto-renewing, at its period end, and
    (an add-on) its main plan renewing."""
    return (
        Status(subscription.status) in RENEWABLE
        and subscription.auto_renew
        and work.now >= subscription.current_period_end
        and main_allows_renewal(work, subscription)
    )


def main_allows_renewal(work: Work, subscription: SubscriptionState) -> bool:
    """A main plan renews on its own; an add-on only while its main plan renews."""
    if subscription.main_subscription_id is None:
        return True
    return addon_may_renew(addons.main_of(work, subscription))


def next_term(work: Work, subscription: SubscriptionState) -> NextTerm:
    """The next period; worked out once per unit of work for the same inputs."""
    key = (
        "next_term",
        subscription.plan_id,
        subscription.pending_plan_id,
        subscription.anchor_at,
        subscription.period_number,
        subscription.current_period_end,
    )
    term = work.cache.get(key)
    if not isinstance(term, NextTerm):
        term = work.cache[key] = _next_term(work, subscription)
    return term


def _next_term(work: Work, subscription: SubscriptionState) -> NextTerm:
    current = plan_of(work, subscription.plan_id)
    plan = plan_of(work, subscription.pending_plan_id) if subscription.pending_plan_id else current
    start = subscription.current_period_end
    anchor = subscription.anchor_at if plan.period == current.period else start
    end = next_period_end(anchor, Period(plan.period), start)
    return NextTerm(plan, subscription.period_number + 1, start, end, anchor)


def upcoming_charge(work: Work, subscription: SubscriptionState) -> ChargeAttempt | None:
    """The charge `renew` asks the processor for if called now, exactly (None: it would not
    ask: not renewable, or no usable card). The worker asks for a batch of these in one call
    before renewing each; the idempotency key makes the second asking return the first answer."""
    if not _due_for_renewal(work, subscription) or subscription.payment_method_id is None:
        return None
    try:
        method = get_method(work, subscription.account_id, subscription.payment_method_id)
    except NotFound:
        return None
    request = _charge_request(work, subscription, next_term(work, subscription))
    return ChargeAttempt(method.gateway_token, request.amount, request.gateway_key)


UNWANTED_REFUND_REASON = "canceled_while_charging"


def refund_unwanted_charge(
    work: Work, subscription: SubscriptionState, charge: Charge, attempt_id: object
) -> None:
    """A renewal charge the processor captured after the subscription stopped wanting it
    (canceled, auto-renew turned off, or changed while the charge was in flight): recorded
    with its invoice, so subdesk knows of it, and refunded in full at once."""
    term = next_term(work, subscription)
    request = replace(
        _charge_request(work, subscription, term),
        amount=charge.amount,
        description=f"{term.plan.name}, {term.plan.period} {term.number} (not renewed: refunded)",
        idempotency_key=f"unwanted:{attempt_id}",
        attempt=0,
    )
    captured = ledger.record_charge(work, subscription, request, charge)
    payment = work.session.get_one(Payment, captured.payment_id)
    ledger.refund(
        work,
        payment,
        charge.amount.amount,
        reason=UNWANTED_REFUND_REASON,
        idempotency_key=f"unwanted:{attempt_id}",
    )


def _charge(
    work: Work, subscription: SubscriptionState, term: NextTerm
) -> tuple[ledger.Captured, str]:
    if subscription.payment_method_id is None:
        raise CardDeclined("No payment method.", decline_code="no_payment_method", hard=True)
    method = get_method(work, subscription.account_id, subscription.payment_method_id)
    request = _charge_request(work, subscription, term)
    return ledger.capture(work, subscription, method, request), ledger.card_label(method)


def _charge_request(
    work: Work, subscription: SubscriptionState, term: NextTerm
) -> ledger.ChargeRequest:
    first_paid = term.number == 1
    amount, price = ledger.priced(
        work,
        subscription.account_id,
        price_of_next_period(work, subscription, term.plan),
        subscription.payment_method_id,
    )
    return ledger.ChargeRequest(
        kind="initial" if first_paid else "renewal",
        amount=amount,
        price=price,
        method_id=subscription.payment_method_id,
        period_number=term.number,
        first_paid=first_paid,
        description=f"{term.plan.name}, {term.plan.period} {term.number}",
        period_start=term.start,
        period_end=term.end,
        idempotency_key=f"period:{subscription.id}:{term.number}",
        attempt=subscription.failed_attempts,
    )


def price_of_next_period(work: Work, subscription: SubscriptionState, plan: Plan) -> Money:
    """The introductory price for the first paid period; then the agreed price, and a
    higher one only if it was noticed inside the legal window before this renewal."""
    if subscription.period_number == 0 and plan.intro_price_minor is not None:
        return Money(plan.intro_price_minor, plan.currency)
    agreed = subscription.agreed_price_minor
    if plan.id != subscription.plan_id or agreed is None or plan.renewal_price_minor <= agreed:
        return Money(plan.renewal_price_minor, plan.currency)  # chosen, agreed, or cheaper
    account = work.session.get(Account, subscription.account_id)
    where = jurisdiction(account.country, account.region) if account else "*"
    noticed = work.session.scalars(
        select(Notice.actual_days).where(
            Notice.subscription_id == subscription.id,
            Notice.kind == NoticeKind.PRICE_CHANGE.value,
            Notice.target == subscription.current_period_end,
            Notice.price_minor == plan.renewal_price_minor,
        )
    ).first()
    price = renewal_price(agreed, plan.renewal_price_minor, noticed, where)
    return Money(price, plan.currency)


def _failed(
    work: Work,
    subscription: SubscriptionState,
    plan: Plan,
    before: dict[str, object],
    failure: Exception,
) -> RenewalOutcome:
    decline = (
        failure.decline_code
        if isinstance(failure, CardDeclined)
        else failure.code
        if isinstance(failure, AuthenticationRequired)
        else "gateway_unavailable"
    )
    hard = failure.hard if isinstance(failure, CardDeclined) else False
    first = Status(subscription.status) is not Status.PAST_DUE
    plan_next = after_failure(
        work.runtime.dunning,
        subscription.current_period_end,
        None if first else subscription.retries_left,
        hard,
        work.now,
    )
    subscription.status = next_status(Status(subscription.status), Transition.PAYMENT_FAILED).value
    subscription.next_action_at = plan_next.next_action_at
    subscription.grace_ends_at = plan_next.grace_ends_at
    subscription.retries_left = plan_next.retries_left
    subscription.failed_attempts += 1
    subscription.updated_at = work.now
    audit_change(work, subscription, "subscription.payment_failed", before, reason=decline)
    retry_at = plan_next.next_action_at if plan_next.retries_left else None
    webhooks.emit(
        work, "payment.failed", event_data(subscription, decline_code=decline, hard_decline=hard)
    )
    messages.payment_failed(
        work,
        subscription,
        plan,
        price_of_next_period(work, subscription, plan),
        str(failure),
        retry_at,
    )
    if plan_next.retries_left == 0 and work.now >= plan_next.grace_ends_at:
        expire(work, subscription, reason="grace period over")
    return RenewalOutcome(False, decline_code=decline, hard_decline=hard)


AUTHENTICATION_REQUIRED = "authentication_required"


def _awaiting_authentication(
    work: Work,
    subscription: SubscriptionState,
    plan: Plan,
    before: dict[str, object],
    needed: AuthenticationRequired,
) -> RenewalOutcome:
    """The bank asks the customer to confirm the renewal (SCA): not a failure of the card,
    and no retry would pass it. The subscription waits in its grace period, where it stays
    protected, for the customer to confirm in the portal; unconfirmed, it then expires."""
    status = Status(subscription.status)
    if status is not Status.PAST_DUE:
        subscription.status = next_status(status, Transition.PAYMENT_FAILED).value
    grace_ends = subscription.current_period_end + work.runtime.dunning.grace
    subscription.grace_ends_at, subscription.retries_left = grace_ends, 0
    subscription.next_action_at = max(grace_ends, work.now)
    subscription.updated_at = work.now
    audit_change(
        work, subscription, "subscription.authentication_required", before,
        reason=AUTHENTICATION_REQUIRED,
    )  # fmt: skip
    webhooks.emit(work, "payment.action_required", event_data(subscription))
    amount = price_of_next_period(work, subscription, plan)
    messages.authentication_needed(work, subscription, plan, amount)
    return RenewalOutcome(False, decline_code=AUTHENTICATION_REQUIRED)


def roll_provider_period(work: Work, subscription: SubscriptionState) -> None:
    """A provider bills its customers itself: while it keeps the subscription active, the
    period moves on without a charge from subdesk."""
    plan = plan_of(work, subscription.plan_id)
    before = snapshot(subscription)
    start = subscription.current_period_end
    end = next_period_end(subscription.anchor_at, Period(plan.period), start)
    subscription.period_number += 1
    subscription.current_period_start, subscription.current_period_end = start, end
    subscription.next_action_at = end
    subscription.updated_at = work.now
    audit_change(
        work, subscription, "subscription.renewed", before, reason="billed by the provider"
    )


def expire(work: Work, subscription: SubscriptionState, *, reason: str) -> None:
    """End a subscription whose grace period ran out without a payment."""
    before = snapshot(subscription)
    subscription.status = next_status(Status(subscription.status), Transition.EXPIRE).value
    subscription.next_action_at = None
    subscription.access_ends_at = min(work.now, subscription.grace_ends_at or work.now)
    subscription.updated_at = work.now
    audit_change(work, subscription, "subscription.expired", before, reason=reason)
    webhooks.emit(work, "subscription.expired", event_data(subscription, reason=reason))
    addons.wake_addons(work, subscription)


def end_at_period_end(
    work: Work, subscription: SubscriptionState, reason: str = "auto-renew off"
) -> None:
    """Auto-renew was off: the subscription ends (canceled if the customer canceled it)."""
    before = snapshot(subscription)
    subscription.auto_renew = False
    canceled = repository.confirmed_cancellation(work.session, subscription.id) is not None
    transition = Transition.CANCEL if canceled else Transition.EXPIRE
    subscription.status = next_status(Status(subscription.status), transition).value
    subscription.next_action_at = None
    subscription.access_ends_at = subscription.access_ends_at or subscription.current_period_end
    subscription.canceled_at = subscription.canceled_at or (work.now if canceled else None)
    subscription.updated_at = work.now
    audit_change(work, subscription, "subscription.ended", before, reason=reason)
    event = "subscription.canceled" if canceled else "subscription.expired"
    webhooks.emit(work, event, event_data(subscription, reason="ended at period end"))
    addons.wake_addons(work, subscription)
