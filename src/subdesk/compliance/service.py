"""Reads what the notice rules need of a subscription, and when its next notice falls due."""

from __future__ import annotations

from datetime import datetime

from subdesk.catalog.service import plan_of
from subdesk.compliance import notices as schedule
from subdesk.compliance.rules import jurisdiction
from subdesk.context import Work
from subdesk.models import Account
from subdesk.subscriptions.state import SubscriptionState


def facts_of(work: Work, subscription: SubscriptionState) -> tuple[schedule.Facts, Account]:
    plan = plan_of(work, subscription.plan_id)
    account = work.session.get(Account, subscription.account_id)
    assert account is not None  # noqa: S101 - a subscription always has its account
    facts = schedule.Facts(
        status=subscription.status,
        auto_renew=subscription.auto_renew,
        period=plan.period,
        started_at=subscription.started_at,
        trial_ends_at=subscription.trial_ends_at,
        period_end=subscription.current_period_end,
        agreed_price=subscription.agreed_price_minor or plan.renewal_price_minor,
        current_price=plan.renewal_price_minor,
        where=jurisdiction(account.country, account.region),
    )
    return facts, account


def first_notice_of_period(work: Work, subscription: SubscriptionState) -> datetime | None:
    """When the first notice about a period just begun falls due (none is sent for it yet)."""
    facts, _ = facts_of(work, subscription)
    return schedule.next_check(schedule.planned(facts, work.now), work.now, frozenset())
