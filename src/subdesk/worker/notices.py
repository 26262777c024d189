"""The notice pass: reminders and notices that have fallen due, each recorded with its windows."""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from subdesk.audit.log import SYSTEM
from subdesk.compliance import notices as schedule
from subdesk.compliance.rules import DueNotice
from subdesk.compliance.service import facts_of
from subdesk.context import Runtime, Work
from subdesk.db import Database
from subdesk.models import Account, Notice, Subscription
from subdesk.notifications import reminders


def claim(session: Session, now: datetime, limit: int) -> list[Subscription]:
    query = (
        select(Subscription)
        .where(Subscription.next_notice_at <= now)
        .order_by(Subscription.next_notice_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list(session.scalars(query))


def sent_notices(
    session: Session, subscription: Subscription
) -> frozenset[tuple[str, datetime, int]]:
    rows = session.execute(
        select(Notice.kind, Notice.target, Notice.scheduled_days).where(
            Notice.subscription_id == subscription.id
        )
    )
    return frozenset((kind, target, days) for kind, target, days in rows)


def send_due(work: Work, subscription: Subscription) -> int:
    """Send what is due for one subscription and schedule the next look; returns emails queued."""
    facts, account = facts_of(work, subscription)
    owed = schedule.planned(facts, work.now)
    sent = sent_notices(work.session, subscription)
    groups = schedule.due_now(owed, work.now, facts.where, sent)
    for group in groups:
        _send(work, subscription, account, facts, group)
        sent |= {(n.kind.value, n.target, n.scheduled_days) for n in group}
    subscription.next_notice_at = schedule.next_check(owed, work.now, sent)
    return len(groups)


def _send(
    work: Work,
    subscription: Subscription,
    account: Account,
    facts: schedule.Facts,
    group: list[DueNotice],
) -> None:
    first = group[-1]
    email_id = reminders.queue(work, subscription, account, facts, first)
    for notice in group:
        work.session.add(
            Notice(
                subscription_id=subscription.id,
                kind=notice.kind.value,
                target=notice.target,
                scheduled_days=notice.scheduled_days,
                actual_days=notice.actual_days,
                satisfied=list(notice.satisfied),
                price_minor=facts.current_price if notice.kind == "price_change" else None,
                email_id=email_id,
                sent_at=work.now,
            )
        )


def run_notices(database: Database, runtime: Runtime, *, batch_size: int = 200) -> Counter[str]:
    outcomes: Counter[str] = Counter()
    while True:
        with database.transaction() as session:
            work = Work(session, runtime, SYSTEM)
            batch = claim(session, work.now, batch_size)
            for subscription in batch:
                if sent := send_due(work, subscription):
                    outcomes["notices"] += sent
        if not batch:
            return outcomes
