"""Lifecycle use cases a customer drives: auto-renew off and on, and plan changes."""

from __future__ import annotations

import uuid

from subdesk.audit.log import record
from subdesk.billing import ledger
from subdesk.billing.payment_methods import get_method
from subdesk.catalog.service import plan_of
from subdesk.context import Work
from subdesk.errors import Conflict
from subdesk.models import Plan, Subscription
from subdesk.money import Money
from subdesk.notifications import messages
from subdesk.subscriptions import renewal, repository, rules
from subdesk.subscriptions.channels import refuse_if_billed_elsewhere
from subdesk.subscriptions.rules import PlanChange, PlanTerms, Status
from subdesk.subscriptions.snapshot import snapshot


def set_auto_renew(
    work: Work, account_id: uuid.UUID, subscription_id: uuid.UUID, enabled: bool
) -> Subscription:
    """Turn renewal off (protection stays to the end date) or back on, which un-cancels."""
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
    before = snapshot(subscription)
    subscription.auto_renew = enabled
    subscription.access_ends_at = None if enabled else subscription.current_period_end
    if not enabled and subscription.status == Status.PAST_DUE:
        subscription.next_action_at = work.now  # no more retries: the worker ends it now
    subscription.updated_at = work.now
    if enabled:
        _revoke_pending_cancellation(work, subscription)
        subscription.next_notice_at = work.now
    record(
        work.session,
        actor=work.actor,
        action="subscription.auto_renew_enabled" if enabled else "subscription.auto_renew_disabled",
        entity=("subscription", subscription.id),
        account_id=account_id,
        subscription_id=subscription.id,
        before=before,
        after=snapshot(subscription),
        now=work.now,
    )
    return subscription


def _revoke_pending_cancellation(work: Work, subscription: Subscription) -> None:
    cancellation = repository.confirmed_cancellation(work.session, subscription.id)
    if cancellation is None or cancellation.mode != "period_end":
        return
    cancellation.status = "revoked"
    record(
        work.session,
        actor=work.actor,
        action="cancellation.revoked",
        entity=("cancellation", cancellation.public_id),
        account_id=subscription.account_id,
        subscription_id=subscription.id,
        before={"status": "confirmed"},
        after={"status": "revoked"},
        now=work.now,
    )


def terms_of(plan: Plan) -> PlanTerms:
    return PlanTerms(
        seats=plan.seats,
        services=frozenset(s.code for s in plan.product.services),
        period=plan.period,
        renewal_price=plan.renewal_price_minor,
        currency=plan.currency,
    )


def change_plan(
    work: Work,
    account_id: uuid.UUID,
    subscription_id: uuid.UUID,
    plan_id: uuid.UUID,
    idempotency_key: str,
) -> tuple[Subscription, PlanChange]:
    """An upgrade takes effect now with a prorated charge; anything else at the end of the term."""
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
    kind = rules.classify_plan_change(terms_of(old), terms_of(new))
    before = snapshot(subscription)
    if kind is PlanChange.UPGRADE_NOW:
        _upgrade_now(work, subscription, old, new, idempotency_key)
    else:
        subscription.pending_plan_id = new.id
    subscription.updated_at = work.now
    record(
        work.session,
        actor=work.actor,
        action=f"subscription.plan_{kind.value}",
        entity=("subscription", subscription.id),
        account_id=account_id,
        subscription_id=subscription.id,
        before=before,
        after=snapshot(subscription),
        now=work.now,
    )
    return subscription, kind


def _upgrade_now(
    work: Work, subscription: Subscription, old: Plan, new: Plan, idempotency_key: str
) -> None:
    amount = rules.prorated_charge(
        old.renewal_price_minor,
        new.renewal_price_minor,
        subscription.current_period_start,
        subscription.current_period_end,
        work.now,
    )
    if subscription.status == Status.ACTIVE and amount > 0:
        if subscription.payment_method_id is None:
            raise Conflict("Add a payment method first.", code="payment_method_required")
        method = get_method(work, subscription.account_id, subscription.payment_method_id)
        request = ledger.ChargeRequest(
            kind="proration",
            amount=Money(amount, new.currency),
            period_number=subscription.period_number,
            first_paid=False,
            description=f"Upgrade to {new.name} for the rest of the period",
            period_start=work.now,
            period_end=subscription.current_period_end,
            idempotency_key=f"upgrade:{subscription.id}:{idempotency_key}",
        )
        captured = ledger.capture(work, subscription, method, request)
        messages.receipt(work, subscription, new, captured, ledger.card_label(method))
    subscription.plan_id = new.id
    subscription.pending_plan_id = None
    subscription.agreed_price_minor = new.renewal_price_minor
    subscription.next_notice_at = work.now


def change_payment_method(
    work: Work, account_id: uuid.UUID, subscription_id: uuid.UUID, method_id: uuid.UUID
) -> Subscription:
    """Pay with another card from now on; past due, the renewal is retried with it at once."""
    subscription = repository.get_owned(work.session, account_id, subscription_id, lock=True)
    if not rules.can_change_auto_renew(Status(subscription.status)):
        raise Conflict("This subscription has ended.", code="subscription_ended")
    method = get_method(work, account_id, method_id)
    before = snapshot(subscription)
    subscription.payment_method_id = method.id
    subscription.updated_at = work.now
    record(
        work.session,
        actor=work.actor,
        action="subscription.payment_method_changed",
        entity=("subscription", subscription.id),
        account_id=account_id,
        subscription_id=subscription.id,
        before={**before, "payment_method": "previous"},
        after={**snapshot(subscription), "payment_method": f"{method.brand} {method.last4}"},
        now=work.now,
    )
    if subscription.status == Status.PAST_DUE and subscription.auto_renew:
        subscription.retries_left = max(subscription.retries_left, 1)
        renewal.renew(work, subscription)
    return subscription
