"""The reminder and notice emails, worded for the notice that fell due."""

from __future__ import annotations

import uuid

from subdesk.billing.tax.charge import gross_of
from subdesk.catalog.service import plan_of
from subdesk.compliance.notices import Facts
from subdesk.compliance.rules import DueNotice, NoticeKind, renewal_price
from subdesk.context import Work
from subdesk.models import Account, Subscription
from subdesk.money import Money
from subdesk.notifications.formatting import day, money
from subdesk.notifications.messages import PERIOD_WORDS
from subdesk.notifications.outbox import queue_email

TEMPLATES = {
    NoticeKind.RENEWAL_REMINDER: "renewal_reminder",
    NoticeKind.TRIAL_ENDING: "trial_ending",
    NoticeKind.YEARLY_NOTICE: "yearly_notice",
    NoticeKind.PRICE_CHANGE: "price_change",
}


def queue(
    work: Work, subscription: Subscription, account: Account, facts: Facts, notice: DueNotice
) -> uuid.UUID | None:
    plan = plan_of(work, subscription.plan_id)
    loc = account.locale
    price = renewal_price(facts.agreed_price, facts.current_price, None, facts.where)
    if notice.kind is NoticeKind.TRIAL_ENDING and plan.intro_price_minor is not None:
        price = plan.intro_price_minor

    def charged(amount: int) -> dict[str, object]:
        """What the card will be charged: the price with tax added where the law adds it."""
        gross = gross_of(
            work,
            subscription.account_id,
            Money(amount, plan.currency),
            notice.target,
            payment_method_id=subscription.payment_method_id,
        )
        return money(gross)

    context = {
        "plan": plan.name,
        "amount": charged(price),
        "renewal_date": day(subscription.current_period_end),
        "trial_end": day(notice.target),
        "effective_date": day(notice.target),
        "old_amount": charged(facts.agreed_price),
        "new_amount": charged(facts.current_price),
        "period": PERIOD_WORDS.get(loc, PERIOD_WORDS["en"])[plan.period],
    }
    key = (
        f"{notice.kind.value}:{subscription.id}:{notice.target.isoformat()}:{notice.scheduled_days}"
    )
    return queue_email(
        work,
        account,
        TEMPLATES[notice.kind],
        context,
        dedupe_key=key,
        subscription_id=subscription.id,
    )
