"""Buying a subscription: explicit auto-renewal consent, the first charge, the consent record."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta

from subdesk.audit.log import audit
from subdesk.billing import ledger
from subdesk.billing.gateway import ChargeAttempt
from subdesk.billing.payment_methods import get_method
from subdesk.catalog.service import current_disclosure, get_plan
from subdesk.context import Work
from subdesk.errors import Conflict, InvalidRequest
from subdesk.licensing.adoption import adopt_devices
from subdesk.models import Consent, Disclosure, PaymentMethod, Plan, Subscription
from subdesk.money import Money
from subdesk.notifications import messages, webhooks
from subdesk.subscriptions.bundles import check_addon_purchase
from subdesk.subscriptions.duplicate_purchases import check_purchase
from subdesk.subscriptions.periods import Period, period_bounds
from subdesk.subscriptions.rules import Status
from subdesk.subscriptions.snapshot import event_data, snapshot


@dataclass(frozen=True, slots=True)
class Purchase:
    plan_id: uuid.UUID
    payment_method_id: uuid.UUID
    auto_renew_consent: bool
    disclosure_version: int | None
    idempotency_key: str
    # Bought beside another subscription of the same product on purpose (for another person).
    confirm_second_purchase: bool = False
    # The currency of the price the customer saw; None when the client did not say.
    currency: str | None = None


class CurrencyMismatch(InvalidRequest):
    """An order in another currency than its plan's: a price is never converted."""

    status = 422
    code = "currency_mismatch"


@dataclass(frozen=True, slots=True)
class Checked:
    """An order found acceptable: what it buys, under which terms, paid with which card."""

    plan: Plan
    disclosure: Disclosure
    method: PaymentMethod
    # An add-on's main subscription, which it follows (None for a main plan).
    main_id: uuid.UUID | None = None

    @property
    def charges_now(self) -> bool:
        """Whether buying takes a first charge now (a trial charges at its end)."""
        return not self.plan.trial_days


def check_order(work: Work, account_id: uuid.UUID, purchase: Purchase) -> Checked:
    """Refuse an order that cannot be bought (no consent, a plan not sold, outdated terms,
    not the buyer's card), writing nothing."""
    if purchase.auto_renew_consent is not True:
        raise InvalidRequest(
            "Tick the auto-renewal box to agree to automatic renewal before subscribing.",
            code="consent_required",
            field="auto_renew_consent",
        )
    plan = get_plan(work.session, purchase.plan_id)
    if not plan.active:
        raise Conflict("This plan is no longer sold.", code="plan_unavailable", field="plan_id")
    if purchase.currency is not None and purchase.currency.upper() != plan.currency:
        raise CurrencyMismatch(
            f"This plan is sold in {plan.currency}, not {purchase.currency.upper()}: choose "
            "the plan of your currency.",
            field="currency",
        )
    main_id = check_addon_purchase(work, account_id, plan)
    disclosure = current_disclosure(work.session, plan.id)
    if purchase.disclosure_version not in (None, disclosure.version):
        raise Conflict(
            "The terms of this plan changed since you saw them; review them and try again.",
            code="disclosure_outdated",
            field="disclosure_version",
        )
    method = get_method(work, account_id, purchase.payment_method_id)
    return Checked(plan, disclosure, method, main_id)


def check_new_order(work: Work, account_id: uuid.UUID, purchase: Purchase) -> Checked:
    """`check_order`, and before any charge: refuse buying a product the account already holds
    (or is paying for in another order) unless confirmed as a second purchase."""
    checked = check_order(work, account_id, purchase)
    check_purchase(
        work,
        account_id,
        checked.plan,
        confirmed=purchase.confirm_second_purchase,
        order_key=purchase.idempotency_key,
    )
    return checked


def subscribe(work: Work, account_id: uuid.UUID, purchase: Purchase) -> Subscription:
    """Start a subscription; without consent, a good card and a known plan nothing is written.
    The first charge goes through `work.gateway` (in a checkout: the answer it already has)."""
    checked = check_order(work, account_id, purchase)
    plan, disclosure, method = checked.plan, checked.disclosure, checked.method
    subscription = new_subscription(work, account_id, plan, method_id=method.id)
    subscription.main_subscription_id = checked.main_id
    subscription.second_purchase_confirmed = purchase.confirm_second_purchase
    work.session.add(subscription)
    work.session.flush()
    paid = None
    if subscription.status == Status.ACTIVE:
        paid = ledger.capture(
            work, subscription, method, _first_charge(work, plan, subscription, purchase)
        )
    work.session.add(
        Consent(
            subscription_id=subscription.id,
            account_id=account_id,
            disclosure_id=disclosure.id,
            disclosure_version=disclosure.version,
            given_at=work.now,
            ip_address=work.client_ip,
            user_agent=(work.user_agent or "")[:400] or None,
        )
    )
    audit(
        work,
        action="subscription.created",
        entity=("subscription", subscription.id),
        account_id=account_id,
        subscription_id=subscription.id,
        before=None,
        after={
            **snapshot(subscription),
            "disclosure_version": disclosure.version,
            **({"second_purchase_confirmed": True} if purchase.confirm_second_purchase else {}),
        },
    )
    adopt_devices(work, subscription, plan.seats)
    messages.purchase_acknowledged(work, subscription, plan, disclosure, paid)
    webhooks.emit(work, "subscription.created", event_data(subscription, plan=plan.code))
    return subscription


def first_charge(
    work: Work, plan: Plan, account_id: uuid.UUID, purchase: Purchase, method: PaymentMethod
) -> ChargeAttempt:
    """The first charge of a plan without a trial, as `subscribe` asks the processor for it."""
    amount, _ = ledger.priced(work, account_id, _first_price(plan), method.id)
    return ChargeAttempt(method.gateway_token, amount, _first_key(account_id, purchase))


def _first_price(plan: Plan) -> Money:
    intro = plan.intro_price_minor
    return Money(plan.renewal_price_minor if intro is None else intro, plan.currency)


def _first_key(account_id: uuid.UUID, purchase: Purchase) -> str:
    return f"purchase:{account_id}:{purchase.idempotency_key}"


def new_subscription(
    work: Work,
    account_id: uuid.UUID,
    plan: Plan,
    *,
    method_id: uuid.UUID | None,
    channel: str = "direct",
    auto_renew: bool = True,
    with_trial: bool = True,
) -> Subscription:
    """A subscription starting now: in its trial if the plan has one, else in its first period."""
    now = work.now
    trial_end = now + timedelta(days=plan.trial_days) if plan.trial_days and with_trial else None
    anchor = trial_end or now
    if trial_end is not None:
        status, number, start, end = Status.TRIALING, 0, now, trial_end
    else:
        start, end = period_bounds(anchor, Period(plan.period), 1)
        status, number = Status.ACTIVE, 1
    return Subscription(
        id=uuid.uuid4(),
        account_id=account_id,
        plan_id=plan.id,
        payment_method_id=method_id,
        channel=channel,
        status=status.value,
        auto_renew=auto_renew,
        started_at=now,
        trial_ends_at=trial_end,
        anchor_at=anchor,
        period_number=number,
        current_period_start=start,
        current_period_end=end,
        next_action_at=end,
        agreed_price_minor=plan.renewal_price_minor,
        next_notice_at=now,
        created_at=now,
        updated_at=now,
    )


def _first_charge(
    work: Work, plan: Plan, subscription: Subscription, purchase: Purchase
) -> ledger.ChargeRequest:
    method_id = subscription.payment_method_id
    amount, price = ledger.priced(work, subscription.account_id, _first_price(plan), method_id)
    return ledger.ChargeRequest(
        kind="initial",
        amount=amount,
        price=price,
        method_id=method_id,
        period_number=1,
        first_paid=True,
        description=f"{plan.name}, first {plan.period}",
        period_start=subscription.current_period_start,
        period_end=subscription.current_period_end,
        idempotency_key=_first_key(subscription.account_id, purchase),
    )
