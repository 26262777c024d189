"""Cancellation: what cancelling would do now, and doing it once, with a signed receipt.

Repeating a cancellation returns the first one: a second "period_end" after a
"period_end", or anything after the subscription was canceled. A "now" after a
"period_end" cancels at once and supersedes it.

Cancelling a main subscription ends its add-ons in the same unit of work, on its
terms (`addon_rules`): each gets its own cancellation, no later than the main one,
with the refund the policy gives its own charges, keyed from the main cancellation.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from subdesk.audit.log import audit
from subdesk.billing import ledger
from subdesk.billing.refunds import ChargeFacts, RefundBasis, RefundPolicy, refund_for_cancel_now
from subdesk.catalog.service import plan_of
from subdesk.compliance.withdrawal import withdrawal_open
from subdesk.context import Work
from subdesk.errors import Conflict
from subdesk.models import Account, Cancellation, Payment, Plan, Subscription
from subdesk.money import Money
from subdesk.notifications import messages, webhooks
from subdesk.subscriptions import addons, repository
from subdesk.subscriptions.addon_rules import follows_main_now, main_renews
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
class AddonPreview:
    """An add-on that ends with its main subscription: under each of the main plan's
    choices, what it gives back and until when it protects."""

    subscription: Subscription
    plan: Plan
    choices: tuple[Choice, ...]


@dataclass(frozen=True, slots=True)
class Preview:
    subscription: Subscription
    plan: Plan
    choices: tuple[Choice, ...]
    existing: Cancellation | None
    addons: tuple[AddonPreview, ...] = ()


@dataclass(frozen=True, slots=True)
class WithMain:
    """An add-on ending with its main subscription: not after `ends_by`; each refund's key
    derived from `key`, the main action's."""

    ends_by: datetime
    key: str
    cancellation_id: uuid.UUID | None = None


ADDON_REASON = "Ended with its main plan"


def preview(
    work: Work, account_id: uuid.UUID, subscription_id: uuid.UUID, *, withdrawal: bool = False
) -> Preview:
    """What each choice does now, for the subscription and for every add-on ending with it."""
    subscription = repository.get_owned(work.session, account_id, subscription_id)
    view = _preview(work, subscription, withdrawal=withdrawal)
    if not view.choices or subscription.main_subscription_id is not None:
        return view
    withdrawing = _withdrawing(work, subscription, withdrawal)
    ending = tuple(
        AddonPreview(
            addon,
            plan_of(work, addon.plan_id),
            tuple(
                _with_main(work, addon, subscription, choice, withdrawing(addon))
                for choice in view.choices
            ),
        )
        for addon in addons.of_main(work, subscription.id)
    )
    return replace(view, addons=ending)


def _with_main(
    work: Work, addon: Subscription, main: Subscription, chosen: Choice, withdrawal: bool
) -> Choice:
    """The add-on's choice when `main` takes `chosen`: the same, or "now" when that ends
    either at once (past due), never protecting past the main subscription."""
    past_due = Status.PAST_DUE in (main.status, addon.status)
    mode = When.NOW if chosen.when is When.NOW or past_due else When.PERIOD_END
    view = _preview(work, addon, withdrawal=withdrawal, ends_by=chosen.protected_until)
    return replace(next(c for c in view.choices if c.when is mode), when=chosen.when)


def _preview(
    work: Work,
    subscription: Subscription,
    *,
    withdrawal: bool = False,
    ends_by: datetime | None = None,
) -> Preview:
    existing = repository.confirmed_cancellation(work.session, subscription.id)
    return _preview_of(work, subscription, existing, withdrawal=withdrawal, ends_by=ends_by)


def _preview_of(
    work: Work,
    subscription: Subscription,
    existing: Cancellation | None,
    *,
    withdrawal: bool = False,
    ends_by: datetime | None = None,
) -> Preview:
    """`_preview`, given the subscription's confirmed cancellation (or None) already read."""
    plan = plan_of(work, subscription.plan_id)
    if subscription.status in FINAL:
        return Preview(subscription, plan, (), existing)
    period_end = Choice(
        When.PERIOD_END,
        Money.zero(plan.currency),
        RefundBasis.NONE,
        subscription.current_period_end,
    )
    now = _cancel_now(work, subscription, plan, withdrawal)
    choices: tuple[Choice, ...] = (period_end, now)
    if ends_by is not None:  # an add-on never protects past its main subscription
        choices = tuple(
            replace(c, protected_until=min(c.protected_until, ends_by)) for c in choices
        )
    return Preview(subscription, plan, choices, existing)


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
    (EU, see compliance.withdrawal) cancels now and refunds everything. The add-ons of a
    main subscription end with it (`end_addons`)."""
    subscription = locked_for_cancel(work, account_id, subscription_id)
    return cancel_locked(work, subscription, when, reason, withdrawal=withdrawal)


def locked_for_cancel(
    work: Work, account_id: uuid.UUID, subscription_id: uuid.UUID
) -> Subscription:
    """The account's subscription, locked, if subdesk is the one to cancel it (not a store's
    or a provider's)."""
    subscription = repository.get_owned(work.session, account_id, subscription_id, lock=True)
    refuse_if_billed_elsewhere(subscription.channel)
    return subscription


def cancel_locked(
    work: Work,
    subscription: Subscription,
    when: When,
    reason: str | None,
    *,
    withdrawal: bool = False,
    with_main: WithMain | None = None,
) -> Cancellation:
    """`cancel` of a subscription already locked; `with_main`: an add-on ending with its
    main subscription, on the terms given."""
    existing = repository.confirmed_cancellation(work.session, subscription.id)
    if subscription.status in FINAL:
        if existing is not None:
            return existing
        raise Conflict("This subscription has already ended.", code="subscription_ended")
    if existing is not None and _repeated(existing, when, with_main):
        return existing
    ends_by = with_main.ends_by if with_main else None
    view = _preview_of(work, subscription, existing, withdrawal=withdrawal, ends_by=ends_by)
    choice = next(c for c in view.choices if c.when is when)
    before = snapshot(subscription)
    cancellation = _new_cancellation(work, subscription, choice, reason)
    cancellation.main_cancellation_id = with_main.cancellation_id if with_main else None
    if existing is not None:
        existing.status = "superseded"
    _apply(work, subscription, choice)
    key = with_main.key if with_main else f"cancel:{cancellation.id}"
    _refund(work, subscription, view.plan, cancellation, choice, key)
    _confirm(work, subscription, view.plan, cancellation, before)
    if with_main is None:
        ended = end_addons(
            work, subscription, key, cancellation=cancellation, withdrawal=withdrawal
        )
        work.cache[(_ADDONS_ENDED, cancellation.id)] = ended
    return cancellation


_ADDONS_ENDED = "addon_cancellations"


def addon_cancellations(work: Work, cancellation: Cancellation) -> list[Cancellation]:
    """The add-on cancellations that `cancellation` made, in the order the repository lists
    them; no query for one made in this unit of work."""
    made = work.cache.get((_ADDONS_ENDED, cancellation.id))
    if not isinstance(made, list):
        return repository.addon_cancellations(work.session, cancellation.id)
    return sorted(made, key=lambda c: (c.requested_at, c.public_id))


def _confirm(
    work: Work,
    subscription: Subscription,
    plan: Plan,
    cancellation: Cancellation,
    before: dict[str, object],
) -> None:
    """The signed receipt, the email, the webhook and the audit event of a cancellation."""
    cancellation.receipt = work.runtime.signer.sign(receipt_payload(cancellation, plan))
    messages.cancellation_confirmed(work, subscription, plan, cancellation)
    webhooks.emit(
        work,
        "subscription.canceled",
        event_data(subscription, cancellation_id=cancellation.public_id, when=cancellation.mode),
    )
    audit(
        work,
        action=f"subscription.canceled_{cancellation.mode}",
        entity=("subscription", subscription.id),
        account_id=subscription.account_id,
        subscription_id=subscription.id,
        before=before,
        after={**snapshot(subscription), "cancellation_id": cancellation.public_id},
        reason=cancellation.reason,
    )


def _repeated(existing: Cancellation, when: When, with_main: WithMain | None) -> bool:
    """Whether `existing` already is what is asked (an add-on's, ending no later than asked)."""
    if when is not When.PERIOD_END and existing.mode != When.NOW:
        return False
    return with_main is None or existing.effective_at <= with_main.ends_by


def end_addons(
    work: Work,
    main: Subscription,
    key: str,
    *,
    reason: str | None = None,
    cancellation: Cancellation | None = None,
    withdrawal: bool = False,
) -> list[Cancellation]:
    """End the add-ons of `main`, which has just ended or stopped renewing, on its terms: now
    if it ended, else at its end; none protects past it; the refund policy applied to each
    add-on's own charges, refunded under a key derived from `key`, the main action's."""
    terms = addons.view_of(main)
    if main.main_subscription_id is not None or main_renews(terms):
        return []
    when = When.NOW if follows_main_now(terms) else When.PERIOD_END
    why = f"{ADDON_REASON} ({cancellation.public_id})" if cancellation else ADDON_REASON
    why = f"{why}: {reason}" if reason else why
    withdrawing = _withdrawing(work, main, withdrawal)
    main_id = cancellation.id if cancellation else None
    done = []
    for addon in addons.of_main(work, main.id, lock=True):
        terms_of_addon = WithMain(terms.ends_at, f"{key}:addon:{addon.id}", main_id)
        withdrawn = withdrawing(addon)
        mode = When.NOW if addon.status == Status.PAST_DUE else when
        done.append(
            cancel_locked(
                work,
                addon,
                mode,
                cancellation.reason if withdrawn and cancellation else why,
                withdrawal=withdrawn,
                with_main=terms_of_addon,
            )
        )
    return done


def end_with_main(work: Work, addon_id: uuid.UUID) -> Cancellation:
    """The worker found an add-on still running whose main subscription has ended: it is
    canceled now under the refund policy, protecting no longer than the main one did."""
    addon = work.session.get_one(Subscription, addon_id, with_for_update=True)
    main = addons.main_of(work, addon)
    ends_by = main.ends_at if main is not None else work.now
    terms = WithMain(ends_by, f"ended:{addon.main_subscription_id}:addon:{addon.id}")
    done = cancel_locked(work, addon, When.NOW, ADDON_REASON, with_main=terms)
    work.session.flush()
    return done


def _withdrawing(
    work: Work, main: Subscription, withdrawal: bool
) -> Callable[[Subscription], bool]:
    """Withdrawing from the main contract withdraws from each add-on still inside its own
    withdrawal period; the others end under the refund policy."""
    account = work.session.get(Account, main.account_id) if withdrawal else None

    def inside(addon: Subscription) -> bool:
        return account is not None and withdrawal_open(account.country, addon.started_at, work.now)

    return inside


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
    # An add-on ending with its main subscription before its own period end ends then.
    if subscription.next_action_at is not None:
        subscription.next_action_at = min(subscription.next_action_at, choice.protected_until)
    # Past due, the paid period is already over: either choice ends it and every retry now.
    if choice.when is When.NOW or subscription.status == Status.PAST_DUE:
        subscription.status = next_status(Status(subscription.status), Transition.CANCEL).value
        subscription.canceled_at = work.now
        subscription.next_action_at = None
        subscription.access_ends_at = min(
            choice.protected_until, max(work.now, choice.protected_until)
        )


def _refund(
    work: Work,
    subscription: Subscription,
    plan: Plan,
    cancellation: Cancellation,
    choice: Choice,
    key: str,
) -> None:
    for item in choice.refunds:
        if item.amount > 0:
            row = ledger.refund(
                work,
                item.payment,
                item.amount,
                reason=item.basis.value,
                idempotency_key=f"{key}:{item.payment.id}",
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
