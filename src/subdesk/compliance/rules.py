"""One table of jurisdictions and windows, each with its source, and the decisions built on it.

A window is a number of days before a date D (the renewal or charge date, a
trial's end, or the date a new price applies) inside which a notice must reach
the customer. subdesk sends its reminders on a fixed schedule chosen to land
inside every window at once (D-35 and D-20 for annual renewals, E-10 for trials,
P-25 for price changes) and records which windows each one satisfied.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum


class NoticeKind(StrEnum):
    RENEWAL_REMINDER = "renewal_reminder"
    TRIAL_ENDING = "trial_ending"
    YEARLY_NOTICE = "yearly_notice"
    PRICE_CHANGE = "price_change"


@dataclass(frozen=True, slots=True)
class Window:
    jurisdiction: str  # "US-CA", "DE", ...
    earliest: int  # days before D, inclusive
    latest: int  # days before D, inclusive
    source: str

    def contains(self, days_before: int) -> bool:
        return self.latest <= days_before <= self.earliest


ANNUAL_RENEWAL_WINDOWS = (
    # Cal. Bus. & Prof. Code §17602(b) (AB 2863, from 1 July 2025): 15 to 45 days before.
    Window("US-CA", 45, 15, "Cal. Bus. & Prof. Code §17602(b)"),
    # N.Y. Gen. Bus. Law §527-a(1)(d) (2025 amendment): 15 to 45 days before.
    Window("US-NY", 45, 15, "N.Y. Gen. Bus. Law §527-a"),
    # Colo. Rev. Stat. §6-1-732(2)(b): 25 to 40 days before a renewal after a year or more.
    Window("US-CO", 40, 25, "Colo. Rev. Stat. §6-1-732"),
    # Va. Code §59.1-207.46(B): 30 to 60 days before an annual renewal.
    Window("US-VA", 60, 30, "Va. Code §59.1-207.46"),
    # 940 CMR 38.05 (Massachusetts, 2025): 5 to 30 days before.
    Window("US-MA", 30, 5, "940 CMR 38.05"),
)

TRIAL_ENDING_WINDOWS = (
    # Cal. Bus. & Prof. Code §17602(a)(5): trials or promotions of 31 days or more, 3 to 21 days.
    Window("US-CA", 21, 3, "Cal. Bus. & Prof. Code §17602(a)(5)"),
)

PRICE_CHANGE_WINDOWS = (
    # Cal. Bus. & Prof. Code §17602(b)(3): a price change is noticed 7 to 30 days before it applies.
    Window("US-CA", 30, 7, "Cal. Bus. & Prof. Code §17602(b)(3)"),
    # N.Y. Gen. Bus. Law §527-a(1)(e): 5 to 30 days before a price increase.
    Window("US-NY", 30, 5, "N.Y. Gen. Bus. Law §527-a"),
)

# subdesk's own floor everywhere else: a price increase is noticed at least 7 days ahead.
DEFAULT_PRICE_WINDOW = Window("*", 30, 7, "subdesk policy")

RENEWAL_REMINDER_DAYS = (35, 20)  # inside CA, NY, CO, VA (35) and CA, NY, MA (20)
TRIAL_REMINDER_DAYS = 10  # inside CA's 3 to 21 days
PRICE_NOTICE_DAYS = 25  # inside CA's 7 to 30 and NY's 5 to 30 days
# Trials of at least this many days get a reminder (CA asks from 31; we give it from 14).
TRIAL_REMINDER_MIN_DAYS = 14


def jurisdiction(country: str, region: str | None) -> str:
    return f"{country}-{region}" if region else country


def windows_for(table: tuple[Window, ...], where: str) -> tuple[Window, ...]:
    return tuple(w for w in table if w.jurisdiction == where)


def days_before(moment: datetime, now: datetime) -> int:
    """Whole days from `now` until `moment` (a reminder 35 days and 2 hours ahead is at D-35)."""
    return (moment - now) // timedelta(days=1)


@dataclass(frozen=True, slots=True)
class DueNotice:
    kind: NoticeKind
    target: datetime  # the date D the notice is about
    scheduled_days: int  # the schedule slot (e.g. 35)
    actual_days: int  # how many days before D it actually goes out
    satisfied: tuple[str, ...]  # sources of the windows it lands in


def due_notices(
    kind: NoticeKind,
    target: datetime,
    now: datetime,
    schedule: tuple[int, ...],
    table: tuple[Window, ...],
    where: str,
    sent: frozenset[int],
) -> list[DueNotice]:
    """The notices of `schedule` whose day has come and that still land in time.

    A slot missed by the worker (it was down) is sent late only while it still
    lands inside a window that applies here, or, where no law applies, while D
    is still ahead. Several slots due at once are answered by one email.
    """
    actual = days_before(target, now)
    applicable = windows_for(table, where)
    due = []
    for slot in schedule:
        if slot in sent or actual > slot or actual < 0:
            continue
        satisfied = tuple(w.source for w in applicable if w.contains(actual))
        if applicable and not satisfied and any(w.contains(slot) for w in applicable):
            continue  # too late for the window this slot was meant for
        due.append(DueNotice(kind, target, slot, actual, satisfied))
    return due


def price_notice_window(where: str) -> Window:
    """The strictest window that applies: the latest allowed day is the largest minimum."""
    applicable = windows_for(PRICE_CHANGE_WINDOWS, where)
    if not applicable:
        return DEFAULT_PRICE_WINDOW
    return min(applicable, key=lambda w: (w.earliest, -w.latest))


def renewal_price(agreed: int, current: int, noticed_days_before: int | None, where: str) -> int:
    """What a renewal may charge: a higher price only if its notice went out inside the window."""
    if current <= agreed:
        return current
    if noticed_days_before is not None and price_notice_window(where).contains(noticed_days_before):
        return current
    return agreed
