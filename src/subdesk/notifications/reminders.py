"""The reminder and notice emails, worded for the notice that fell due."""

from __future__ import annotations

import uuid

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
    next_charge = Money(price, plan.currency)
    if notice.kind is NoticeKind.TRIAL_ENDING and plan.intro_price_minor is not None:
        next_charge = Money(plan.intro_price_minor, plan.currency)
    context = {
        "plan": plan.name,
        "amount": money(next_charge),
        "renewal_date": day(subscription.current_period_end),
        "trial_end": day(notice.target),
        "effective_date": day(notice.target),
        "old_amount": money(Money(facts.agreed_price, plan.currency)),
        "new_amount": money(Money(facts.current_price, plan.currency)),
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
