"""What a customer is told about a subscription: protection, next charge or proof of none."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from subdesk.models import Plan, Subscription
from subdesk.money import Money
from subdesk.subscriptions.rules import Entitlement, Status, entitlement

CHARGING = frozenset({Status.TRIALING, Status.ACTIVE, Status.PAST_DUE})


@dataclass(frozen=True, slots=True)
class NextCharge:
    date: datetime
    amount: Money


def next_charge(subscription: Subscription, plan: Plan, pending: Plan | None) -> NextCharge | None:
    """The next charge, or None: then no further charge is scheduled."""
    if not subscription.auto_renew or Status(subscription.status) not in CHARGING:
        return None
    renewing = pending or plan
    first_paid = subscription.period_number == 0 and renewing.intro_price_minor is not None
    price = renewing.intro_price_minor if first_paid else renewing.renewal_price_minor
    assert price is not None  # noqa: S101 - first_paid implies an intro price
    return NextCharge(subscription.current_period_end, Money(price, renewing.currency))


def protection(subscription: Subscription, now: datetime) -> Entitlement:
    return entitlement(
        Status(subscription.status),
        subscription.current_period_end,
        subscription.access_ends_at,
        now,
    )
