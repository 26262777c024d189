"""Duplicate purchases: refused before any charge with the choices instead, and the duplicate
that got past the check anyway refunded, ended and explained to the customer.

The rules are in `subscriptions.duplicates`; this module reads what they need and acts on
their verdict. The worker's step (`worker.duplicates`) and the agents' billing-problems
page both end a duplicate through `end_duplicate`, under one refund key per payment, so
whichever comes first refunds it and the other finds it done.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.orm import selectinload

from subdesk.billing import charge_attempts, ledger
from subdesk.catalog.service import plan_of
from subdesk.context import Work
from subdesk.errors import Conflict
from subdesk.licensing.adoption import move_devices
from subdesk.models import (
    Account,
    Payment,
    PaymentAttempt,
    Plan,
    Product,
    Refund,
    Subscription,
)
from subdesk.money import Money
from subdesk.notifications import messages, webhooks
from subdesk.subscriptions import duplicates
from subdesk.subscriptions.duplicates import (
    HELD,
    Choice,
    ChoiceKind,
    Duplicate,
    FirstCharge,
    Holding,
    Refusal,
    Verdict,
)
from subdesk.subscriptions.lifecycle import terms_of
from subdesk.subscriptions.rules import Status, Transition, next_status
from subdesk.subscriptions.snapshot import audit_change, event_data, snapshot

ENDED_ACTION = duplicates.ENDED_ACTION
_HELD = [s.value for s in HELD]


@dataclass(frozen=True, slots=True)
class PlanInfo:
    """A plan as a refusal names it: plain data, as the refusal outlives its unit of work."""

    id: uuid.UUID
    code: str
    name: str
    product: str
    renewal_price: Money
    period: str

    @classmethod
    def of(cls, plan: Plan) -> PlanInfo:
        return cls(
            plan.id, plan.code, plan.name, plan.product.name, plan.renewal_price, plan.period
        )


class DuplicatePurchase(Conflict):
    """An order of a product the account holds (or is paying for right now): refused before
    any charge, with what to do instead."""

    def __init__(
        self,
        verdict: Verdict,
        plan: PlanInfo,
        holding_plan: PlanInfo | None,
        choices: Sequence[Choice],
        plans: dict[uuid.UUID, PlanInfo],
    ) -> None:
        self.verdict, self.plan, self.holding_plan = verdict, plan, holding_plan
        self.choices, self.plans = tuple(choices), plans
        super().__init__(_message(verdict, plan, holding_plan), field="plan_id")
        self.code = (verdict.refusal or Refusal.ALREADY_SUBSCRIBED).value

    @property
    def holding(self) -> Holding | None:
        return self.verdict.holding

    def as_body(self) -> dict[str, Any]:
        body: dict[str, Any] = super().as_body()
        held = self.holding
        body["error"]["subscription_id"] = str(held.subscription_id) if held else None
        body["error"]["choices"] = [self._described(c) for c in self.choices]
        return body

    def _described(self, choice: Choice) -> dict[str, Any]:
        sid = str(choice.subscription_id) if choice.subscription_id else None
        if choice.kind is ChoiceKind.UPGRADE:
            plans = [self.plans[p] for p in choice.plan_ids]
            return {
                "choice": choice.kind.value,
                "subscription_id": sid,
                "plans": [
                    {"id": str(p.id), "code": p.code, "name": p.name, **_price(p)} for p in plans
                ],
                "how": f'PUT /api/v1/subscriptions/{sid}/plan with {{"plan_id": <one of plans>}}: '
                "the bigger plan from now, the rest of the period charged pro rata.",
            }
        if choice.kind is ChoiceKind.EXTEND:
            return {
                "choice": choice.kind.value,
                "subscription_id": sid,
                "renews": choice.renews,
                "how": _extend_how(choice, self.holding),
            }
        return {
            "choice": choice.kind.value,
            "field": "confirm_second_purchase",
            "how": 'Send the same order again with "confirm_second_purchase": true: it is '
            "charged as a second, separate subscription (for example for another person).",
        }


def _price(plan: PlanInfo) -> dict[str, Any]:
    return {"renewal_price": plan.renewal_price.as_dict(), "period": plan.period}


def _extend_how(choice: Choice, held: Holding | None) -> str:
    until = f" on {held.period_end:%Y-%m-%d}" if held else ""
    if choice.renews:
        return f"Nothing to buy: it renews by itself{until}."
    if held is not None and held.channel == "retail":
        path = f"/api/v1/subscriptions/{choice.subscription_id}"
        return (
            "Redeem another product key (POST /api/v1/redeem), or let it renew with a card "
            f"(PUT {path}/payment-method, then PUT {path}/auto-renew)."
        )
    return (
        f'PUT /api/v1/subscriptions/{choice.subscription_id}/auto-renew with {{"enabled": true}}: '
        f"it renews{until} instead of ending."
    )


def _message(verdict: Verdict, plan: PlanInfo, held_plan: PlanInfo | None) -> str:
    second = (
        'To buy a second one on purpose, send the order again with "confirm_second_purchase": true.'
    )
    if verdict.refusal is Refusal.IN_PROGRESS:
        return (
            f"A purchase of {plan.product} is being paid for right now. Wait a moment and "
            f"look at your subscriptions before buying again. {second}"
        )
    held = verdict.holding
    what = held_plan.name if held_plan else plan.product
    until = f", protected until {held.period_end:%Y-%m-%d}" if held else ""
    return (
        f"You already have {what}{until}. Add seats or services to it, or keep it going, "
        f"instead of paying twice. {second}"
    )


# --- before the charge ------------------------------------------------------------------------


def check_purchase(
    work: Work, account_id: uuid.UUID, plan: Plan, *, confirmed: bool, order_key: str
) -> None:
    """Refuse an order of a product the account holds, or is paying for in another order,
    unless confirmed as a second purchase; writes nothing. The account's row is locked first,
    so two orders of one account are judged one after the other, each seeing the other's."""
    work.session.execute(select(Account.id).where(Account.id == account_id).with_for_update())
    refusal = refusal_of(work, account_id, plan, confirmed=confirmed, order_key=order_key)
    if refusal is not None:
        raise refusal


def refusal_of(
    work: Work,
    account_id: uuid.UUID,
    plan: Plan,
    *,
    confirmed: bool = False,
    order_key: str | None = None,
) -> DuplicatePurchase | None:
    """What buying `plan` now would be refused with (None: it may be bought), with choices."""
    if confirmed:
        return None
    owned = _holdings(work, account_id)
    paying = _paying_for(work, account_id, order_key)
    verdict = duplicates.judge_order(owned, paying, plan.product_id, confirmed=confirmed)
    if verdict.allowed:
        return None
    holding, held_plan = verdict.holding, None
    bigger: list[PlanInfo] = []
    if holding is not None:
        row = work.session.get_one(Subscription, holding.subscription_id)
        held_plan = PlanInfo.of(plan_of(work, row.plan_id))
        bigger = [PlanInfo.of(p) for p in _upgrades(work, plan_of(work, row.plan_id))]
    offered = duplicates.choices(holding, [p.id for p in bigger])
    return DuplicatePurchase(
        verdict, PlanInfo.of(plan), held_plan, offered, {p.id: p for p in bigger}
    )


def _holdings(work: Work, account_id: uuid.UUID) -> list[Holding]:
    query = (
        select(Subscription, Plan.product_id)
        .join(Plan, Plan.id == Subscription.plan_id)
        .where(Subscription.account_id == account_id, Subscription.status.in_(_HELD))
    )
    return [
        Holding(sub.id, product, Status(sub.status), sub.channel, sub.auto_renew,
                sub.current_period_end)
        for sub, product in work.session.execute(query)
    ]  # fmt: skip


def _paying_for(work: Work, account_id: uuid.UUID, order_key: str | None) -> set[uuid.UUID]:
    """The products of the account's other purchases whose charge is with the processor."""
    attempts = work.session.scalars(
        select(PaymentAttempt).where(
            PaymentAttempt.account_id == account_id,
            PaymentAttempt.state.in_(charge_attempts.OPEN),
            PaymentAttempt.intent.is_not(None),
        )
    )
    plans: set[uuid.UUID] = set()
    for attempt in attempts:
        intent = attempt.intent or {}
        deal = intent.get("deal") or {}
        if intent.get("deal_kind") == "purchase" and deal.get("idempotency_key") != order_key:
            plans.add(uuid.UUID(str(deal["plan_id"])))
    return {plan_of(work, p).product_id for p in plans}


def _upgrades(work: Work, current: Plan) -> list[Plan]:
    """The plans the one held can change to at once (an add-on only to another add-on)."""
    sold = work.session.scalars(
        select(Plan)
        .where(Plan.active.is_(True))
        .options(selectinload(Plan.product).selectinload(Product.services))
    )
    same_kind = [p for p in sold if p.product.addon == current.product.addon]
    by_id = {p.id: p for p in same_kind}
    found = duplicates.upgrades(terms_of(current), [(p.id, terms_of(p)) for p in same_kind])
    return [by_id[i] for i in found]


# --- after the charge -------------------------------------------------------------------------


def recent_duplicates(work: Work) -> list[Duplicate]:
    """The duplicate purchases among first charges of the last `LOOKBACK` billed here."""
    since = work.now - duplicates.LOOKBACK
    recent = and_(Payment.kind == "initial", Payment.captured_at >= since)
    live_here = and_(Subscription.channel == "direct", Subscription.status.in_(_HELD))
    twice = (
        select(Payment.account_id, Plan.product_id)
        .join(Subscription, Subscription.id == Payment.subscription_id)
        .join(Plan, Plan.id == Subscription.plan_id)
        .where(recent, live_here)
        .group_by(Payment.account_id, Plan.product_id)
        .having(func.count() > 1)
        .subquery()
    )
    query = (
        select(Payment, Subscription, Plan.product_id)
        .join(Subscription, Subscription.id == Payment.subscription_id)
        .join(Plan, Plan.id == Subscription.plan_id)
        .join(
            twice,
            and_(twice.c.account_id == Payment.account_id, twice.c.product_id == Plan.product_id),
        )
        .where(recent, live_here)
    )
    rows = work.session.execute(query)
    return duplicates.duplicate_charges(_first_charge(p, s, product) for p, s, product in rows)


def duplicate_of(work: Work, subscription: Subscription) -> Duplicate | None:
    """The verdict on one subscription billed here: a duplicate purchase (of which kept one),
    or None; from its account's subscriptions of the same product only."""
    product = plan_of(work, subscription.plan_id).product_id
    query = (
        select(Payment, Subscription)
        .join(Subscription, Subscription.id == Payment.subscription_id)
        .join(Plan, Plan.id == Subscription.plan_id)
        .where(
            Payment.account_id == subscription.account_id,
            Payment.kind == "initial",
            Plan.product_id == product,
            Subscription.channel == "direct",
        )
    )
    charges = [_first_charge(p, s, product) for p, s in work.session.execute(query)]
    found = duplicates.duplicate_charges(charges)
    return next((d for d in found if d.charge.subscription_id == subscription.id), None)


def _first_charge(payment: Payment, sub: Subscription, product: uuid.UUID) -> FirstCharge:
    return FirstCharge(
        payment.id, sub.id, sub.account_id, product, sub.started_at, payment.captured_at,
        sub.second_purchase_confirmed, sub.status in HELD,
    )  # fmt: skip


def settle(work: Work, found: Duplicate, reason: str) -> bool:
    """End one duplicate the worker found, once: looked at again with its rows locked (an
    agent, the customer or another worker may have acted since). Whether it was ended now."""
    payment = work.session.get(Payment, found.charge.payment_id, with_for_update=True)
    sub = work.session.get(Subscription, found.charge.subscription_id, with_for_update=True)
    if payment is None or sub is None or _refunded(work, payment) is not None:
        return False
    still = duplicate_of(work, sub)
    if still is None or still.charge.payment_id != payment.id:
        return False
    kept = work.session.get_one(Subscription, still.kept.subscription_id)
    end_duplicate(work, sub, payment, kept, reason)
    return True


def _refunded(work: Work, payment: Payment) -> Refund | None:
    key = duplicates.refund_key(payment.id)
    return work.session.scalars(select(Refund).where(Refund.idempotency_key == key)).first()


def end_duplicate(
    work: Work, sub: Subscription, payment: Payment, kept: Subscription, reason: str
) -> Refund | None:
    """Refund a duplicate purchase's charge in full (what disputes left of it), end its
    subscription now so that nothing renews, move its devices to the one kept as far as its
    seats go, and email the customer once; all audited. Returns the refund (None when
    nothing was left to refund)."""
    plan = plan_of(work, sub.plan_id)
    amount = ledger.refundable(payment)
    refund = None
    if amount > 0:
        key = duplicates.refund_key(payment.id)
        refund = ledger.refund(
            work, payment, amount, reason=duplicates.REFUND_REASON, idempotency_key=key
        )
    before = snapshot(sub)
    _end_now(sub, work.now)
    moved = move_devices(work, sub, kept, plan_of(work, kept.plan_id).seats)
    refunded = Money(amount if refund else 0, payment.currency)
    messages.duplicate_ended(
        work, sub, plan, payment.id, refunded, kept, plan_of(work, kept.plan_id)
    )
    webhooks.emit(work, "subscription.canceled", event_data(sub, reason="duplicate_purchase"))
    after = {
        **snapshot(sub),
        "payment": str(payment.id),
        "kept": str(kept.id),
        "refund": str(refund.id) if refund else None,
        "devices_moved": moved,
        **refunded.as_dict(),
    }
    audit_change(work, sub, ENDED_ACTION, before, reason, after=after)
    return refund


def _end_now(sub: Subscription, now: datetime) -> None:
    sub.status = next_status(Status(sub.status), Transition.CANCEL).value
    sub.auto_renew = False
    sub.canceled_at = sub.access_ends_at = now
    sub.next_action_at = sub.next_notice_at = None
    sub.updated_at = now
