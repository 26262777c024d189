"""Lifecycle use cases a customer drives: auto-renew off and on, and plan changes."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import datetime

from subdesk.audit.log import audit
from subdesk.billing import ledger
from subdesk.billing.gateway import Charge, ChargeAttempt
from subdesk.billing.payment_methods import get_method
from subdesk.catalog.service import plan_of
from subdesk.context import Work
from subdesk.errors import Conflict
from subdesk.models import Payment, PaymentMethod, Plan, Subscription
from subdesk.money import Money
from subdesk.notifications import messages
from subdesk.subscriptions import addons, repository, rules
from subdesk.subscriptions.addon_rules import addon_may_renew
from subdesk.subscriptions.channels import refuse_if_billed_elsewhere
from subdesk.subscriptions.rules import PlanChange, PlanTerms, Status
from subdesk.subscriptions.snapshot import snapshot


def set_auto_renew(
    work: Work, account_id: uuid.UUID, subscription_id: uuid.UUID, enabled: bool
) -> Subscription:
    """Turn renewal off (protection stays to the end date) or back on, which un-cancels.
    Off on a main subscription, it goes off on its add-ons too; on, each add-on can be
    turned back on, one by one, and an add-on's only while its main plan renews."""
    subscription = repository.get_owned(work.session, account_id, subscription_id, lock=True)
    refuse_if_billed_elsewhere(subscription.channel)
    if not rules.can_change_auto_renew(Status(subscription.status)):
        raise Conflict(
            "This subscription has ended; buy a new one instead.",
            code="subscription_ended",
            field="enabled",
        )
    if subscription.auto_renew == enabled:
        return subscription
    if enabled and subscription.payment_method_id is None:
        raise Conflict(
            "Add a payment method before turning auto-renew on.",
            code="payment_method_required",
            field="enabled",
        )
    if enabled and not addon_may_renew_now(work, subscription):
        raise Conflict(
            "This add-on renews only with its main plan: turn the main plan's renewal on first.",
            code="addon_main_not_renewing",
            field="enabled",
        )
    _switch_auto_renew(work, subscription, enabled)
    if not enabled:
        stop_addons_renewing(work, subscription)
    return subscription


def addon_may_renew_now(work: Work, subscription: Subscription) -> bool:
    """Whether the subscription may renew as far as add-ons go (a main plan always may)."""
    if subscription.main_subscription_id is None:
        return True
    return addon_may_renew(addons.main_of(work, subscription))


def _switch_auto_renew(
    work: Work,
    subscription: Subscription,
    enabled: bool,
    *,
    ends_by: datetime | None = None,
    reason: str | None = None,
) -> None:
    """Renewal on or off, audited; off, protection lasts to the period end (or `ends_by`)."""
    before = snapshot(subscription)
    subscription.auto_renew = enabled
    end = subscription.current_period_end if ends_by is None else ends_by
    subscription.access_ends_at = None if enabled else min(end, subscription.current_period_end)
    if not enabled and subscription.status == Status.PAST_DUE:
        subscription.next_action_at = work.now  # no more retries: the worker ends it now
    elif subscription.next_action_at is not None and subscription.access_ends_at is not None:
        # An add-on stopped with its main plan ends with it, before its own period end.
        subscription.next_action_at = min(subscription.next_action_at, subscription.access_ends_at)
    subscription.updated_at = work.now
    if enabled:
        _restore_period_end(subscription)
        _revoke_pending_cancellation(work, subscription)
        subscription.next_notice_at = work.now
    audit(
        work,
        action="subscription.auto_renew_enabled" if enabled else "subscription.auto_renew_disabled",
        entity=("subscription", subscription.id),
        account_id=subscription.account_id,
        subscription_id=subscription.id,
        before=before,
        after=snapshot(subscription),
        reason=reason,
    )


def _restore_period_end(subscription: Subscription) -> None:
    """Renewing again, an add-on that was to end with its main plan runs to its period end."""
    due = subscription.next_action_at
    in_term = subscription.status in (Status.TRIALING, Status.ACTIVE)
    if in_term and due is not None and due < subscription.current_period_end:
        subscription.next_action_at = subscription.current_period_end


def stop_addons_renewing(work: Work, main: Subscription, reason: str | None = None) -> None:
    """Renewal went off on `main`: off on each of its add-ons, none protecting past it."""
    if main.main_subscription_id is not None or main.auto_renew:
        return
    ends_by = main.access_ends_at or main.current_period_end
    why = "its main plan no longer renews" + (f": {reason}" if reason else "")
    for addon in addons.of_main(work, main.id, lock=True):
        if addon.auto_renew or (addon.access_ends_at or addon.current_period_end) > ends_by:
            _switch_auto_renew(work, addon, False, ends_by=ends_by, reason=why)


def _revoke_pending_cancellation(work: Work, subscription: Subscription) -> None:
    cancellation = repository.confirmed_cancellation(work.session, subscription.id)
    if cancellation is None or cancellation.mode != "period_end":
        return
    cancellation.status = "revoked"
    audit(
        work,
        action="cancellation.revoked",
        entity=("cancellation", cancellation.public_id),
        account_id=subscription.account_id,
        subscription_id=subscription.id,
        before={"status": "confirmed"},
        after={"status": "revoked"},
    )


def terms_of(plan: Plan) -> PlanTerms:
    return PlanTerms(
        seats=plan.seats,
        services=frozenset(s.code for s in plan.product.services),
        period=plan.period,
        renewal_price=plan.renewal_price_minor,
        currency=plan.currency,
    )


def _checked_change(
    work: Work, account_id: uuid.UUID, subscription_id: uuid.UUID, plan_id: uuid.UUID
) -> tuple[Subscription, Plan, Plan, PlanChange]:
    """The subscription (locked), its plan, the plan asked for, and what kind of change that
    is; refused (writing nothing) if the change cannot be made."""
    subscription = repository.get_owned(work.session, account_id, subscription_id, lock=True)
    if subscription.status not in (Status.TRIALING, Status.ACTIVE):
        raise Conflict(
            f"A {subscription.status} subscription cannot change plan.",
            code="illegal_transition",
            field="plan_id",
        )
    old, new = plan_of(work, subscription.plan_id), plan_of(work, plan_id)
    if old.product.addon != new.product.addon:
        raise Conflict(
            "A main plan and an add-on cannot replace each other; buy or cancel the add-on.",
            code="addon_plan_change",
            field="plan_id",
        )
    if not new.active:
        raise Conflict("This plan is no longer sold.", code="plan_unavailable", field="plan_id")
    return subscription, old, new, rules.classify_plan_change(terms_of(old), terms_of(new))


def upgrade_charge(
    work: Work,
    account_id: uuid.UUID,
    subscription_id: uuid.UUID,
    plan_id: uuid.UUID,
    idempotency_key: str,
) -> ChargeAttempt | None:
    """The prorated charge `change_plan` would make now (None: it makes none); refused as
    `change_plan` would refuse."""
    subscription, old, new, kind = _checked_change(work, account_id, subscription_id, plan_id)
    if kind is not PlanChange.UPGRADE_NOW:
        return None
    request = _proration(work, subscription, old, new, idempotency_key)
    if request is None:
        return None
    method = _card_of(work, subscription)
    return ChargeAttempt(method.gateway_token, request.amount, request.gateway_key)


def change_plan(
    work: Work,
    account_id: uuid.UUID,
    subscription_id: uuid.UUID,
    plan_id: uuid.UUID,
    idempotency_key: str,
    *,
    charged: Money | None = None,
) -> tuple[Subscription, PlanChange]:
    """An upgrade takes effect now with a prorated charge; anything else at the end of the term.
    The charge goes through `work.gateway` (in a plan checkout: the answer it already has, of
    the amount `charged`)."""
    subscription, old, new, kind = _checked_change(work, account_id, subscription_id, plan_id)
    before = snapshot(subscription)
    if kind is PlanChange.UPGRADE_NOW:
        _upgrade_now(work, subscription, old, new, idempotency_key, charged)
    else:
        subscription.pending_plan_id = new.id
    subscription.updated_at = work.now
    audit(
        work,
        action=f"subscription.plan_{kind.value}",
        entity=("subscription", subscription.id),
        account_id=account_id,
        subscription_id=subscription.id,
        before=before,
        after=snapshot(subscription),
    )
    return subscription, kind


def _proration(
    work: Work, subscription: Subscription, old: Plan, new: Plan, idempotency_key: str
) -> ledger.ChargeRequest | None:
    """The charge for the rest of the period on the bigger plan (None: nothing to charge)."""
    amount = rules.prorated_charge(
        old.renewal_price_minor,
        new.renewal_price_minor,
        subscription.current_period_start,
        subscription.current_period_end,
        work.now,
    )
    if subscription.status != Status.ACTIVE or amount <= 0:
        return None
    gross, price = ledger.priced(
        work, subscription.account_id, Money(amount, new.currency), subscription.payment_method_id
    )
    return ledger.ChargeRequest(
        kind="proration",
        amount=gross,
        price=price,
        method_id=subscription.payment_method_id,
        period_number=subscription.period_number,
        first_paid=False,
        description=f"Upgrade to {new.name} for the rest of the period",
        period_start=work.now,
        period_end=subscription.current_period_end,
        idempotency_key=f"upgrade:{subscription.id}:{idempotency_key}",
    )


UNMADE_UPGRADE_REFUND_REASON = "upgrade_not_made"


def refund_unmade_upgrade(
    work: Work, subscription: Subscription, charge: Charge, attempt_id: uuid.UUID
) -> None:
    """An upgrade's charge that came back when the upgrade could no longer be made: recorded
    with its invoice, so subdesk knows of it, and refunded in full at once."""
    plan = plan_of(work, subscription.plan_id)
    request = ledger.ChargeRequest(
        kind="proration",
        amount=charge.amount,
        period_number=subscription.period_number,
        first_paid=False,
        description=f"Upgrade of {plan.name} not made (refunded)",
        period_start=work.now,
        period_end=max(work.now, subscription.current_period_end),
        idempotency_key=f"unwanted:{attempt_id}",
    )
    captured = ledger.record_charge(work, subscription, request, charge)
    payment = work.session.get_one(Payment, captured.payment_id)
    ledger.refund(
        work, payment, charge.amount.amount, reason=UNMADE_UPGRADE_REFUND_REASON,
        idempotency_key=f"unwanted:{attempt_id}",
    )  # fmt: skip


def _card_of(work: Work, subscription: Subscription) -> PaymentMethod:
    if subscription.payment_method_id is None:
        raise Conflict("Add a payment method first.", code="payment_method_required")
    return get_method(work, subscription.account_id, subscription.payment_method_id)


def _upgrade_now(
    work: Work,
    subscription: Subscription,
    old: Plan,
    new: Plan,
    idempotency_key: str,
    charged: Money | None,
) -> None:
    request = _proration(work, subscription, old, new, idempotency_key)
    if request is not None:
        if charged is not None:  # the amount asked of the processor a moment ago
            request = replace(request, amount=charged)
        method = _card_of(work, subscription)
        captured = ledger.capture(work, subscription, method, request)
        messages.receipt(work, subscription, new, captured, ledger.card_label(method))
    subscription.plan_id = new.id
    subscription.pending_plan_id = None
    subscription.agreed_price_minor = new.renewal_price_minor
    subscription.next_notice_at = work.now


def change_payment_method(
    work: Work, account_id: uuid.UUID, subscription_id: uuid.UUID, method_id: uuid.UUID
) -> Subscription:
    """Pay with another card from now on; past due, the renewal is due again at once."""
    subscription = repository.get_owned(work.session, account_id, subscription_id, lock=True)
    if not rules.can_change_auto_renew(Status(subscription.status)):
        raise Conflict("This subscription has ended.", code="subscription_ended")
    method = get_method(work, account_id, method_id)
    before = snapshot(subscription)
    subscription.payment_method_id = method.id
    subscription.updated_at = work.now
    audit(
        work,
        action="subscription.payment_method_changed",
        entity=("subscription", subscription.id),
        account_id=account_id,
        subscription_id=subscription.id,
        before={**before, "payment_method": "previous"},
        after={**snapshot(subscription), "payment_method": f"{method.brand} {method.last4}"},
    )
    if subscription.status == Status.PAST_DUE and subscription.auto_renew:
        # Due at once: the caller has the worker's steps retry it (worker.renewals.retry_now).
        subscription.retries_left = max(subscription.retries_left, 1)
        subscription.next_action_at = work.now
    return subscription
