"""Billing problems: duplicate charges (with a one-click refund of the duplicate), the
duplicates already refunded (by the worker or an agent, for whom, and what became of them),
and charges made after a confirmed cancellation, which should never exist."""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass

from subdesk.billing import ledger
from subdesk.catalog.service import plan_of
from subdesk.context import Work
from subdesk.errors import Conflict, NotFound
from subdesk.models import (
    Account,
    AuditEvent,
    Cancellation,
    Payment,
    Plan,
    Refund,
    StaffMember,
    Subscription,
)
from subdesk.money import Money
from subdesk.notifications import messages
from subdesk.subscriptions import duplicate_purchases
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


@dataclass(frozen=True, slots=True)
class Resolved:
    """A duplicate charge refunded: what, by whom, and whether its subscription was ended."""

    refund: Refund
    subscription: Subscription
    plan: Plan
    by: str  # "subdesk" (the worker, on its own) or the staff member's name
    ended: bool  # a duplicate purchase: its subscription ended, nothing renews


@dataclass(frozen=True, slots=True)
class Report:
    duplicates: list[Duplicate]
    after_cancellation: list[tuple[Payment, Cancellation]]
    resolved: list[Resolved]
    customers: dict[uuid.UUID, Account]  # everyone the report names, by account id


def report(work: Work) -> Report:
    """The whole billing-problems report, naming each customer."""
    found, late = find_duplicates(work), charged_after_cancellation(work)
    resolved = resolved_duplicates(work)
    ids = [d.payment.account_id for d in found] + [p.account_id for p, _c in late]
    ids += [r.refund.account_id for r in resolved]
    return Report(found, late, resolved, repository.accounts_by_ids(work.session, ids))


def find_duplicates(work: Work) -> list[Duplicate]:
    """Every duplicate charge: a period charged twice, or a second live subscription of one
    product on an account (one bought as a second on purpose is none)."""
    return _same_period(work) + _same_product(work)


def resolved_duplicates(work: Work) -> list[Resolved]:
    """The duplicate charges refunded lately, newest first, with who refunded each."""
    session = work.session
    refunds = repository.duplicate_refunds(session)
    subs = {
        s.id: s
        for s in repository.subscriptions_by_ids(session, [r.subscription_id for r in refunds])
    }
    events = repository.duplicate_events(session, list(subs))
    names = repository.staff_names(session)
    return [
        Resolved(r, subs[r.subscription_id], plan_of(work, subs[r.subscription_id].plan_id),
                 *_done_by(events, r, names))
        for r in refunds
    ]  # fmt: skip


def _done_by(events: list[AuditEvent], refund: Refund, names: dict[str, str]) -> tuple[str, bool]:
    """Who refunded it (the staff member's name, or "subdesk"), and whether it ended a
    duplicate purchase."""
    payment = str(refund.payment_id)
    ended = next(
        (e for e in events if e.action == duplicate_purchases.ENDED_ACTION
         and (e.after or {}).get("payment") == payment),
        None,
    )  # fmt: skip
    clicked = next(
        (e for e in events if e.action == "support.duplicate_refunded" and e.entity_id == payment),
        None,
    )
    actor = clicked or ended
    if actor is None or actor.actor_type != "staff":
        return "subdesk", ended is not None
    return names.get(actor.actor_id or "", "an agent"), ended is not None


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
        kept, extra = _second_purchases(subs)
        for sub_id in extra:
            payment = repository.latest_payment(work.session, sub_id)
            if payment is not None:
                found.append(Duplicate(DuplicateKind.SAME_PRODUCT, payment, kept))
    return found


def _second_purchases(subs: list[Subscription]) -> tuple[uuid.UUID, list[uuid.UUID]]:
    """Of live subscriptions of one product, the first bought (it stays), and every later one
    but those bought as a second one on purpose (at one moment, those count as the later)."""
    ordered = sorted(subs, key=lambda s: (s.started_at, s.second_purchase_confirmed, str(s.id)))
    return ordered[0].id, [s.id for s in ordered[1:] if not s.second_purchase_confirmed]


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
    if not live:
        return None
    kept, extra = _second_purchases(live)
    latest = repository.latest_payment(session, payment.subscription_id)
    if payment.subscription_id in extra and latest is not None and latest.id == payment.id:
        return Duplicate(DuplicateKind.SAME_PRODUCT, payment, kept)
    return None


def _refund(work: Work, duplicate: Duplicate, key: str, why: str) -> Refund:
    payment = duplicate.payment
    subscription = subscriptions.get_owned(
        work.session, payment.account_id, payment.subscription_id
    )
    amount = duplicate.refundable
    row: Refund | None
    if duplicate.kind is DuplicateKind.SAME_PRODUCT:
        # A second purchase of the product: refunded, ended now, nothing renews; one email.
        kept = work.session.get_one(Subscription, duplicate.kept_id)
        row = duplicate_purchases.end_duplicate(work, subscription, payment, kept, why)
    else:
        row = ledger.refund(
            work, payment, amount, reason=DUPLICATE_REFUND_REASON, idempotency_key=key
        )
        messages.refund_issued(work, subscription, plan_of(work, subscription.plan_id), row)
    assert row is not None  # noqa: S101 - something was left to refund: checked by the caller
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
