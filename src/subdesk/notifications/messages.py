"""The emails subdesk sends, each queued from the domain event it announces."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import select

from subdesk.billing.ledger import Captured
from subdesk.context import Work
from subdesk.models import (
    Account,
    Cancellation,
    CancellationDeclaration,
    Disclosure,
    OutboxEmail,
    Plan,
    Refund,
    Subscription,
)
from subdesk.money import Money
from subdesk.notifications.formatting import day, moment, money
from subdesk.notifications.outbox import queue_email
from subdesk.subscriptions.state import SubscriptionState

if TYPE_CHECKING:
    from subdesk.subscriptions.declarations import Ended

PERIOD_WORDS = {
    "en": {"month": "month", "year": "year"},
    "de": {"month": "jeden Monat", "year": "jedes Jahr"},
}


def _account(work: Work, subscription: SubscriptionState) -> Account | None:
    return work.session.get(Account, subscription.account_id)


def _price_after(plan: Plan, first: bool) -> Money:
    if first and plan.intro_price_minor is not None:
        return Money(plan.intro_price_minor, plan.currency)
    return Money(plan.renewal_price_minor, plan.currency)


def purchase_acknowledged(
    work: Work,
    subscription: Subscription,
    plan: Plan,
    disclosure: Disclosure,
    paid: Captured | None,
) -> None:
    account = _account(work, subscription)
    if account is None:
        return
    trial = subscription.trial_ends_at
    context = {
        "plan": plan.name,
        "disclosure": disclosure.text,
        "subscription_id": str(subscription.id),
        "trial_ends": day(trial) if trial else None,
        "amount": money(paid.amount) if paid else None,
        "next_date": day(subscription.current_period_end),
        "next_amount": money(_price_after(plan, first=trial is not None)),
    }
    queue_email(
        work,
        account,
        "purchase_ack",
        context,
        dedupe_key=f"purchase_ack:{subscription.id}",
        subscription_id=subscription.id,
    )


def receipt(
    work: Work, subscription: SubscriptionState, plan: Plan, captured: Captured, card: str
) -> None:
    account = _account(work, subscription)
    if account is None:
        return
    renews = subscription.auto_renew
    context = {
        "plan": plan.name,
        "amount": money(captured.amount),
        "card": card,
        "invoice": captured.invoice_number,
        "period_start": day(captured.period_start),
        "period_end": day(captured.period_end),
        "next_date": day(captured.period_end) if renews else None,
        "next_amount": money(_price_after(plan, first=False)),
    }
    queue_email(
        work,
        account,
        "receipt",
        context,
        dedupe_key=f"receipt:{captured.payment_id}",
        subscription_id=subscription.id,
    )


def payment_failed(
    work: Work,
    subscription: SubscriptionState,
    plan: Plan,
    amount: Money,
    reason: str,
    retry_at: datetime | None,
) -> None:
    account = _account(work, subscription)
    if account is None or subscription.grace_ends_at is None:
        return
    context = {
        "plan": plan.name,
        "amount": money(amount),
        "reason": reason,
        "grace_ends": day(subscription.grace_ends_at),
        "retry_date": day(retry_at) if retry_at else None,
    }
    queue_email(
        work,
        account,
        "payment_failed",
        context,
        dedupe_key=f"payment_failed:{subscription.id}:{subscription.period_number}:{subscription.failed_attempts}",
        subscription_id=subscription.id,
    )


def authentication_needed(
    work: Work, subscription: SubscriptionState, plan: Plan, amount: Money
) -> None:
    """The bank wants the customer to confirm the renewal payment: where, and by when."""
    account = _account(work, subscription)
    if account is None or subscription.grace_ends_at is None:
        return
    context = {
        "plan": plan.name,
        "amount": money(amount),
        "grace_ends": day(subscription.grace_ends_at),
        "link": f"{work.settings.public_url}/account/subscriptions/{subscription.id}/authenticate",
    }
    queue_email(
        work,
        account,
        "authentication_needed",
        context,
        dedupe_key=f"authentication_needed:{subscription.id}:{subscription.period_number}",
        subscription_id=subscription.id,
    )


def cancellation_confirmed(
    work: Work, subscription: Subscription, plan: Plan, cancellation: Cancellation
) -> None:
    account = _account(work, subscription)
    if account is None:
        return
    context = {
        "plan": plan.name,
        "cancellation_id": cancellation.public_id,
        "requested_at": moment(cancellation.requested_at),
        "when": cancellation.mode,
        "protected_until": moment(cancellation.effective_at),
        "refund": money(Money(cancellation.refund_minor, cancellation.currency)),
    }
    queue_email(
        work,
        account,
        "cancellation",
        context,
        dedupe_key=f"cancellation:{cancellation.public_id}",
        subscription_id=subscription.id,
    )


def refund_issued(work: Work, subscription: Subscription, plan: Plan, refund: Refund) -> None:
    account = _account(work, subscription)
    if account is None:
        return
    loc = account.locale
    reasons = {
        "money_back_guarantee": {"en": "money-back guarantee", "de": "Geld-zurück-Garantie"},
        "pro_rata_unused_months": {"en": "unused months", "de": "nicht genutzte Monate"},
        "eu_withdrawal": {"en": "withdrawal from the contract", "de": "Widerruf des Vertrags"},
        "duplicate_charge": {"en": "duplicate charge", "de": "doppelte Abbuchung"},
    }
    context = {
        "plan": plan.name,
        "amount": money(Money(refund.amount_minor, refund.currency)),
        "reason": reasons.get(refund.reason, {}).get(loc, refund.reason),
    }
    queue_email(
        work,
        account,
        "refund",
        context,
        dedupe_key=f"refund:{refund.id}",
        subscription_id=subscription.id,
    )


def duplicate_ended(
    work: Work,
    subscription: Subscription,
    plan: Plan,
    payment_id: uuid.UUID,
    refunded: Money,
    kept: Subscription,
    kept_plan: Plan,
) -> None:
    """A second purchase of a product found and undone: refunded, ended, nothing renews."""
    account = _account(work, subscription)
    if account is None:
        return
    context = {
        "plan": plan.name,
        "product": kept_plan.product.name,
        "refunded": refunded.amount > 0,
        "amount": money(refunded),
        "ended": moment(work.now),
        "kept_plan": kept_plan.name,
        "kept_until": day(kept.current_period_end),
    }
    queue_email(
        work,
        account,
        "duplicate_purchase",
        context,
        dedupe_key=f"duplicate_purchase:{payment_id}",
        subscription_id=subscription.id,
    )


def declaration_received(
    work: Work,
    declaration: CancellationDeclaration,
    account: Account,
    ended: Sequence[Ended],
    dispute_token: str,
    dispute_expires: datetime,
) -> None:
    """The confirmation of an online cancellation, to the account's own address: what was
    declared, when, which contracts it ended, and a link to undo it if it was not them."""
    base = work.settings.public_url.rstrip("/")
    language = "&lang=en" if account.locale == "en" else ""
    context = {
        "declared_name": declaration.name,
        "reference": declaration.public_id,
        "received_at": moment(declaration.received_at),
        "kind": declaration.kind,
        "email": declaration.email,
        "contract": declaration.contract or "",
        "requested_end": day(declaration.requested_end) if declaration.requested_end else None,
        "reason": declaration.reason or "",
        "ended": [
            {"plan": e.plan, "cancellation_id": e.cancellation_id, "ends_at": day(e.ends_at)}
            for e in ended
        ],
        "review": declaration.status == "needs_review",
        "dispute_url": f"{base}/kuendigen/nicht-ich?token={dispute_token}{language}",
        "dispute_expires": moment(dispute_expires),
    }
    queue_email(
        work,
        account,
        "declaration",
        context,
        dedupe_key=f"declaration:{declaration.public_id}",
    )


def password_reset_link(
    work: Work, account: Account, token: str, reset_id: str, expires_at: datetime
) -> None:
    """The link is in the email only: the outbox keeps it until sent, the log never does."""
    base = work.settings.public_url.rstrip("/")
    context = {"reset_url": f"{base}/reset-password?token={token}", "expires": moment(expires_at)}
    queue_email(work, account, "password_reset", context, dedupe_key=f"password_reset:{reset_id}")


def welcome(work: Work, account: Account) -> None:
    """A new account is told it is ready (sign-up answers "check your inbox" either way)."""
    base = work.settings.public_url.rstrip("/")
    context = {"email": account.email, "sign_in_url": f"{base}/sign-in"}
    queue_email(work, account, "welcome", context, dedupe_key=f"welcome:{account.id}")


def sign_up_attempted(work: Work, account: Account) -> None:
    """Someone signed up with the address of `account`: its owner hears of it, at most once
    an hour, with the way to sign in or choose a new password."""
    key = f"sign_up_attempt:{account.id}:{work.now:%Y%m%d%H}"
    if work.session.scalar(select(OutboxEmail.id).where(OutboxEmail.dedupe_key == key)):
        return
    base = work.settings.public_url.rstrip("/")
    context = {
        "email": account.email,
        "sign_in_url": f"{base}/sign-in",
        "reset_url": f"{base}/forgot-password",
    }
    queue_email(work, account, "sign_up_attempt", context, dedupe_key=key)


def invitation(
    work: Work, account: Account, token: str, reset_id: str, expires_at: datetime, partner: str
) -> None:
    """A partner's customer is told what they have and how to choose a password."""
    base = work.settings.public_url.rstrip("/")
    context = {
        "partner": partner,
        "reset_url": f"{base}/reset-password?token={token}",
        "expires": moment(expires_at),
    }
    queue_email(work, account, "invitation", context, dedupe_key=f"invitation:{reset_id}")
