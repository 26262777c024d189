"""The refund policy: the money-back guarantee first, then the configured policy outside it.

Guarantee (C7): any charge of an annual plan within its guarantee window (60 days),
and the first paid charge of a monthly plan (the first after a trial, too) within
14 days, come back in full. Outside it: nothing ("none", protection to the end
date) or the whole unused months ("pro_rata"). Never more than was captured.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from subdesk.subscriptions.periods import Period, add_months, whole_months_between


class RefundPolicy(StrEnum):
    NONE = "none"
    PRO_RATA = "pro_rata"


class RefundBasis(StrEnum):
    GUARANTEE = "money_back_guarantee"
    PRO_RATA = "pro_rata_unused_months"
    NONE = "outside_guarantee"
    WITHDRAWAL = "eu_withdrawal"


@dataclass(frozen=True, slots=True)
class ChargeFacts:
    """What the policy needs to know of the charge that paid the current period."""

    captured: int
    already_refunded: int
    captured_at: datetime
    first_paid: bool
    period: Period
    guarantee_days: int
    period_start: datetime
    period_end: datetime


@dataclass(frozen=True, slots=True)
class RefundDecision:
    amount: int
    basis: RefundBasis
    # Until when protection lasts after a "cancel now" with this refund.
    access_until: datetime


def within_guarantee(charge: ChargeFacts, now: datetime) -> bool:
    if now - charge.captured_at > timedelta(days=charge.guarantee_days):
        return False
    return charge.period is Period.YEAR or charge.first_paid


def refund_for_cancel_now(
    charge: ChargeFacts, policy: RefundPolicy, now: datetime, *, withdrawal: bool = False
) -> RefundDecision:
    """The refund "cancel now" gives, capped at what remains refundable. A withdrawal from
    the contract (EU, 14 days) gives back everything that remains."""
    refundable = max(0, charge.captured - charge.already_refunded)
    if withdrawal:
        return RefundDecision(refundable, RefundBasis.WITHDRAWAL, now)
    if within_guarantee(charge, now):
        return RefundDecision(refundable, RefundBasis.GUARANTEE, now)
    if policy is RefundPolicy.PRO_RATA:
        return _pro_rata(charge, refundable, now)
    return RefundDecision(0, RefundBasis.NONE, charge.period_end)


def _pro_rata(charge: ChargeFacts, refundable: int, now: datetime) -> RefundDecision:
    # A started month counts as used; protection lasts to the end of it.
    used = whole_months_between(charge.period_start, now)
    if add_months(charge.period_start, used) < now:
        used += 1
    months = charge.period.months
    unused = max(0, months - used)
    access_until = min(add_months(charge.period_start, used), charge.period_end)
    amount = min(refundable, charge.captured * unused // months)
    if amount == 0:
        return RefundDecision(0, RefundBasis.NONE, charge.period_end)
    return RefundDecision(amount, RefundBasis.PRO_RATA, access_until)
