"""Billing periods: months clamp to month end and never drift (Jan 31 → Feb 28 → Mar 31)."""

from __future__ import annotations

import calendar
from datetime import datetime
from enum import StrEnum


class Period(StrEnum):
    MONTH = "month"
    YEAR = "year"

    @property
    def months(self) -> int:
        return 12 if self is Period.YEAR else 1


def add_months(anchor: datetime, months: int) -> datetime:
    """`anchor` moved by whole calendar months, the day clamped to the target month's end."""
    index = anchor.year * 12 + (anchor.month - 1) + months
    year, month = divmod(index, 12)
    day = min(anchor.day, calendar.monthrange(year, month + 1)[1])
    return anchor.replace(year=year, month=month + 1, day=day)


def period_bounds(anchor: datetime, period: Period, number: int) -> tuple[datetime, datetime]:
    """Start and end of paid period `number` (1-based), always computed from the anchor."""
    if number < 1:
        raise ValueError("paid periods are numbered from 1")
    step = period.months
    return add_months(anchor, step * (number - 1)), add_months(anchor, step * number)


def whole_months_between(start: datetime, end: datetime) -> int:
    """How many whole calendar months fit from `start` to `end` (0 when end <= start)."""
    if end <= start:
        return 0
    months = (end.year - start.year) * 12 + (end.month - start.month)
    while months > 0 and add_months(start, months) > end:
        months -= 1
    return months


def next_period_end(anchor: datetime, period: Period, start: datetime) -> datetime:
    """The first period boundary after `start` on the anchor's cadence (first after the anchor)."""
    step = period.months
    count = max(1, whole_months_between(anchor, start) // step)
    while add_months(anchor, step * count) <= start:
        count += 1
    return add_months(anchor, step * count)
