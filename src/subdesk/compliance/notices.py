"""Which reminders and notices a subscription is owed, and when the next one falls due."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from subdesk.compliance.rules import (
    ANNUAL_RENEWAL_WINDOWS,
    PRICE_CHANGE_WINDOWS,
    PRICE_NOTICE_DAYS,
    RENEWAL_REMINDER_DAYS,
    TRIAL_ENDING_WINDOWS,
    TRIAL_REMINDER_DAYS,
    TRIAL_REMINDER_MIN_DAYS,
    DueNotice,
    NoticeKind,
    Window,
    due_notices,
)
from subdesk.subscriptions.periods import add_months

YEARLY_NOTICE_DAYS = 7  # a week before each anniversary of a monthly subscription


@dataclass(frozen=True, slots=True)
class Facts:
    status: str
    auto_renew: bool
    period: str  # month | year
    started_at: datetime
    trial_ends_at: datetime | None
    period_end: datetime
    agreed_price: int
    current_price: int
    where: str  # jurisdiction, e.g. "US-CA"


@dataclass(frozen=True, slots=True)
class Planned:
    kind: NoticeKind
    target: datetime
    schedule: tuple[int, ...]
    table: tuple[Window, ...]


def planned(facts: Facts, now: datetime) -> list[Planned]:
    """Every notice this subscription is owed about its upcoming dates."""
    if not facts.auto_renew or facts.status not in ("trialing", "active"):
        return []
    owed: list[Planned] = []
    trial = facts.trial_ends_at
    long_trial = trial is not None and trial - facts.started_at >= timedelta(
        days=TRIAL_REMINDER_MIN_DAYS
    )
    if facts.status == "trialing" and trial is not None and long_trial:
        owed.append(
            Planned(NoticeKind.TRIAL_ENDING, trial, (TRIAL_REMINDER_DAYS,), TRIAL_ENDING_WINDOWS)
        )
    if facts.period == "year" and facts.status == "active":
        owed.append(
            Planned(
                NoticeKind.RENEWAL_REMINDER,
                facts.period_end,
                RENEWAL_REMINDER_DAYS,
                ANNUAL_RENEWAL_WINDOWS,
            )
        )
    if facts.period == "month":
        owed.append(
            Planned(
                NoticeKind.YEARLY_NOTICE,
                _next_anniversary(facts.started_at, now),
                (YEARLY_NOTICE_DAYS,),
                (),
            )
        )
    if facts.current_price > facts.agreed_price and facts.status == "active":
        owed.append(
            Planned(
                NoticeKind.PRICE_CHANGE,
                facts.period_end,
                (PRICE_NOTICE_DAYS,),
                PRICE_CHANGE_WINDOWS,
            )
        )
    return owed


def _next_anniversary(started_at: datetime, now: datetime) -> datetime:
    years = 1
    while add_months(started_at, 12 * years) < now:
        years += 1
    return add_months(started_at, 12 * years)


def due_now(
    owed: Iterable[Planned], now: datetime, where: str, sent: frozenset[tuple[str, datetime, int]]
) -> list[list[DueNotice]]:
    """The notices to send now, grouped so each group is answered by one email."""
    groups = []
    for item in owed:
        slots_sent = frozenset(
            slot for kind, target, slot in sent if kind == item.kind and target == item.target
        )
        due = due_notices(item.kind, item.target, now, item.schedule, item.table, where, slots_sent)
        if due:
            groups.append(due)
    return groups


def next_check(
    owed: Iterable[Planned], now: datetime, sent: frozenset[tuple[str, datetime, int]]
) -> datetime | None:
    """When the next notice falls due (None: nothing is owed until the period changes)."""
    times = [
        item.target - timedelta(days=slot)
        for item in owed
        for slot in item.schedule
        if (item.kind, item.target, slot) not in sent and item.target - timedelta(days=slot) > now
    ]
    return min(times, default=None)
