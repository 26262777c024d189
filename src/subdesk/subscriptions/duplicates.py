"""Duplicate purchases, as plain rules: whether an order buys a product the account already
holds, what to offer instead, and which of two first charges for one product is the duplicate.

An account holds a product while one of its subscriptions of that product (bought anywhere)
is trialing, active or past due. Buying it again is refused before any charge, with three
choices: more seats or services on the one held (an upgrade), keeping the one held going
(extend), or a second subscription on purpose (`confirm_second_purchase`), which is then
charged as any purchase and never taken for a duplicate.

A duplicate that gets past the check anyway is two first charges of one product on one
account, billed here, within `DUPLICATE_WINDOW` of each other: the subscription started
later is the duplicate, unless it was confirmed as a second purchase.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from subdesk.subscriptions.rules import (
    IllegalTransition,
    PlanChange,
    PlanTerms,
    Status,
    classify_plan_change,
)

HELD = frozenset({Status.TRIALING, Status.ACTIVE, Status.PAST_DUE})
# Two first charges of one product this close together are one purchase made twice.
DUPLICATE_WINDOW = timedelta(days=1)
# How far back the worker looks for them: a duplicate and the charge it repeats.
LOOKBACK = 2 * DUPLICATE_WINDOW
REFUND_REASON = "duplicate_charge"
ENDED_ACTION = "subscription.duplicate_ended"  # the audit event of a duplicate undone
BILLED_HERE = frozenset({"direct", "retail"})


@dataclass(frozen=True, slots=True)
class Holding:
    """One of the account's subscriptions, as the purchase check sees it."""

    subscription_id: uuid.UUID
    product_id: uuid.UUID
    status: Status
    channel: str
    auto_renew: bool
    period_end: datetime


def held(holdings: Iterable[Holding], product_id: uuid.UUID) -> Holding | None:
    """The subscription through which the account holds the product (the one protecting
    longest), or None when it holds none."""
    live = [h for h in holdings if h.product_id == product_id and h.status in HELD]
    return max(live, key=lambda h: (h.period_end, str(h.subscription_id)), default=None)


class Refusal(StrEnum):
    ALREADY_SUBSCRIBED = "already_subscribed"  # the account holds the product
    IN_PROGRESS = "purchase_in_progress"  # another order of it is being paid for right now


@dataclass(frozen=True, slots=True)
class Verdict:
    """Whether an order may be charged; if not, why, and the subscription held."""

    refusal: Refusal | None
    holding: Holding | None = None

    @property
    def allowed(self) -> bool:
        return self.refusal is None


def judge_order(
    holdings: Iterable[Holding],
    paying_for: Iterable[uuid.UUID],
    product_id: uuid.UUID,
    *,
    confirmed: bool,
) -> Verdict:
    """The verdict on an order of `product_id`: refused while the account holds it, or while
    another order of it (`paying_for`: products of its open purchases) is with the processor;
    a purchase confirmed as a second one is always allowed."""
    if confirmed:
        return Verdict(None)
    holding = held(holdings, product_id)
    if holding is not None:
        return Verdict(Refusal.ALREADY_SUBSCRIBED, holding)
    if product_id in set(paying_for):
        return Verdict(Refusal.IN_PROGRESS)
    return Verdict(None)


class ChoiceKind(StrEnum):
    UPGRADE = "upgrade"  # more seats or services on the subscription held, from now
    EXTEND = "extend"  # keep the one held going: it renews, or auto-renew back on
    BUY_ANYWAY = "buy_anyway"  # a second, separate subscription, e.g. for another person


@dataclass(frozen=True, slots=True)
class Choice:
    kind: ChoiceKind
    subscription_id: uuid.UUID | None = None
    plan_ids: tuple[uuid.UUID, ...] = ()  # UPGRADE: the plans it can move to now
    renews: bool = False  # EXTEND: it already renews by itself


def choices(holding: Holding | None, upgrades: Sequence[uuid.UUID]) -> tuple[Choice, ...]:
    """What to offer instead of a duplicate purchase: an upgrade of the subscription held
    (when it can change plan now and a bigger plan exists), keeping it going (when billed
    here), and always buying a second one on purpose."""
    offered: list[Choice] = []
    if holding is not None:
        changeable = holding.status in (Status.TRIALING, Status.ACTIVE)
        if upgrades and changeable and holding.channel == "direct":
            offered.append(Choice(ChoiceKind.UPGRADE, holding.subscription_id, tuple(upgrades)))
        if holding.channel in BILLED_HERE:
            renews = holding.auto_renew and holding.channel == "direct"
            offered.append(Choice(ChoiceKind.EXTEND, holding.subscription_id, renews=renews))
    offered.append(Choice(ChoiceKind.BUY_ANYWAY))
    return tuple(offered)


def upgrades(current: PlanTerms, offers: Iterable[tuple[uuid.UUID, PlanTerms]]) -> list[uuid.UUID]:
    """The plans `current` can change to at once (more seats or services, same period and
    currency), cheapest first."""
    found: list[tuple[int, str, uuid.UUID]] = []
    for plan_id, terms in offers:
        try:
            kind = classify_plan_change(current, terms)
        except IllegalTransition:  # the same plan
            continue
        if kind is PlanChange.UPGRADE_NOW:
            found.append((terms.renewal_price, str(plan_id), plan_id))
    return [plan_id for _price, _key, plan_id in sorted(found)]


@dataclass(frozen=True, slots=True)
class FirstCharge:
    """A subscription billed here and its first charge, as the duplicate rules see them."""

    payment_id: uuid.UUID
    subscription_id: uuid.UUID
    account_id: uuid.UUID
    product_id: uuid.UUID
    started_at: datetime
    captured_at: datetime
    confirmed: bool  # bought as a second subscription on purpose
    live: bool  # trialing, active or past due


@dataclass(frozen=True, slots=True)
class Duplicate:
    charge: FirstCharge
    kept: FirstCharge  # the earlier subscription that stays


def duplicate_charges(
    charges: Iterable[FirstCharge], window: timedelta = DUPLICATE_WINDOW
) -> list[Duplicate]:
    """Of live subscriptions of one product on one account, taken in the order they started,
    each whose first charge came within `window` of a kept one's is a duplicate of it, unless
    it was confirmed as a second purchase; every other one is kept. Ended subscriptions take
    no part: a product bought again after the first ended is no duplicate."""
    groups: dict[tuple[uuid.UUID, uuid.UUID], list[FirstCharge]] = defaultdict(list)
    for charge in charges:
        if charge.live:
            groups[(charge.account_id, charge.product_id)].append(charge)
    found: list[Duplicate] = []
    for group in groups.values():
        kept: list[FirstCharge] = []
        for charge in sorted(group, key=_bought_order):
            twin = next(
                (k for k in kept if abs(charge.captured_at - k.captured_at) <= window), None
            )
            if twin is None or charge.confirmed:
                kept.append(charge)
            else:
                found.append(Duplicate(charge, twin))
    return sorted(found, key=lambda d: (d.charge.captured_at, str(d.charge.payment_id)))


def _bought_order(charge: FirstCharge) -> tuple[datetime, bool, datetime, str]:
    # At one moment, the one bought as a second on purpose is the later.
    return (charge.started_at, charge.confirmed, charge.captured_at, str(charge.subscription_id))


def refund_key(payment_id: uuid.UUID) -> str:
    """One refund key per duplicate payment, whoever refunds it (the worker or an agent) and
    however often: it is refunded once."""
    return f"duplicate:{payment_id}"
