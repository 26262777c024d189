"""The dashboards' arithmetic: the date range, case-age buckets, a price's monthly share, churn.

Pure functions of their arguments (and the clock's `now`), tested without a database.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from fractions import Fraction

from subdesk.errors import InvalidRequest
from subdesk.subscriptions.periods import Period
from subdesk.support.rules import CaseStatus, Priority
from subdesk.text import is_ascii_digits

DEFAULT_DAYS, MIN_DAYS, MAX_DAYS = 30, 7, 366
CHURN_PERIOD_DAYS = 7
OPEN_CASES = (CaseStatus.NEW, CaseStatus.OPEN, CaseStatus.WAITING)  # not resolved, not closed
CANCEL_MODES = ("now", "period_end")


@dataclass(frozen=True, slots=True)
class DayRange:
    """Whole UTC days, `first` to `last` inclusive."""

    first: date
    last: date

    @property
    def days(self) -> list[date]:
        return [self.first + timedelta(days=i) for i in range((self.last - self.first).days + 1)]

    @property
    def starts_at(self) -> datetime:
        return midnight(self.first)

    @property
    def ends_at(self) -> datetime:
        """The midnight after the last day (exclusive)."""
        return midnight(self.last + timedelta(days=1))


def midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=UTC)


def checked_days(text: str | None) -> int:
    """The number of days a dashboard covers: 30 unless asked, 7 to 366."""
    if text is None or not text.strip():
        return DEFAULT_DAYS
    value = text.strip()
    if not is_ascii_digits(value) or len(value) > 3 or not MIN_DAYS <= int(value) <= MAX_DAYS:
        raise InvalidRequest(
            f"Choose from {MIN_DAYS} to {MAX_DAYS} days.", code="invalid_days", field="days"
        )
    return int(value)


def day_range(now: datetime, days: int) -> DayRange:
    """The last `days` UTC days, today (the clock's) included."""
    if not MIN_DAYS <= days <= MAX_DAYS:
        raise InvalidRequest(
            f"Choose from {MIN_DAYS} to {MAX_DAYS} days.", code="invalid_days", field="days"
        )
    today = now.astimezone(UTC).date()
    return DayRange(today - timedelta(days=days - 1), today)


# --- open cases by age ----------------------------------------------------------------------


class AgeBucket(StrEnum):
    UNDER_1_DAY = "under_1_day"
    DAYS_1_TO_3 = "1_to_3_days"
    DAYS_3_TO_7 = "3_to_7_days"
    OVER_7_DAYS = "over_7_days"


AGE_LABELS: dict[AgeBucket, str] = {
    AgeBucket.UNDER_1_DAY: "Under 1 day",
    AgeBucket.DAYS_1_TO_3: "1 to 3 days",
    AgeBucket.DAYS_3_TO_7: "3 to 7 days",
    AgeBucket.OVER_7_DAYS: "Over 7 days",
}
# The youngest age a case of each bucket but the last may not reach.
_AGE_LIMITS = (
    (AgeBucket.UNDER_1_DAY, timedelta(days=1)),
    (AgeBucket.DAYS_1_TO_3, timedelta(days=3)),
    (AgeBucket.DAYS_3_TO_7, timedelta(days=7)),
)
OLDEST = AgeBucket.OVER_7_DAYS


def age_cutoffs(now: datetime) -> list[tuple[AgeBucket, datetime]]:
    """Each bucket but the oldest, with the moment a case must be opened after to be in it
    (checked in order: the first cutoff a case is younger than is its bucket)."""
    return [(bucket, now - limit) for bucket, limit in _AGE_LIMITS]


def age_bucket(opened_at: datetime, now: datetime) -> AgeBucket:
    """A case 1 day old exactly is in "1 to 3 days"; 7 days old exactly, in "over 7 days"."""
    for bucket, cutoff in age_cutoffs(now):
        if opened_at > cutoff:
            return bucket
    return OLDEST


CaseGrid = dict[AgeBucket, dict[Priority, int]]


def case_grid(counts: Iterable[tuple[str, str, int]]) -> CaseGrid:
    """Counts of (bucket, priority) as a full grid, zero where no case is."""
    grid = {bucket: dict.fromkeys(Priority, 0) for bucket in AgeBucket}
    for bucket, priority, count in counts:
        grid[AgeBucket(bucket)][Priority(priority)] += count
    return grid


# --- counts and sums per day ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CancellationDay:
    day: date
    now: int  # ended at once
    period_end: int  # stop renewing, protected to the period's end

    @property
    def total(self) -> int:
        return self.now + self.period_end


def cancellations_per_day(
    counts: Iterable[tuple[date, str, int]], span: DayRange
) -> list[CancellationDay]:
    """Counts of (day, mode) as one entry per day of the range, zero where none."""
    found = {(day, mode): count for day, mode, count in counts}
    return [
        CancellationDay(day, found.get((day, "now"), 0), found.get((day, "period_end"), 0))
        for day in span.days
    ]


@dataclass(frozen=True, slots=True)
class RefundDay:
    day: date
    count: int
    amount_minor: int


def refunds_per_day(
    sums: Iterable[tuple[date, str, int, int]], span: DayRange
) -> dict[str, list[RefundDay]]:
    """(day, currency, count, amount) as one entry per day for each currency that has any."""
    found = {(day, currency): (count, amount) for day, currency, count, amount in sums}
    currencies = sorted({currency for _day, currency in found})
    return {
        currency: [RefundDay(day, *found.get((day, currency), (0, 0))) for day in span.days]
        for currency in currencies
    }


# --- MRR and churn --------------------------------------------------------------------------


def monthly_minor(price_minor: int, period: str) -> int:
    """A period's price as one month's share, in whole minor units: a yearly price / 12,
    rounded half up (9999 → 833, 5994 → 500, 6 → 1); a monthly price as it is."""
    months = Period(period).months
    return (2 * price_minor + months) // (2 * months)


@dataclass(frozen=True, slots=True)
class PayingGroup:
    """`count` subscriptions of one price, each counted in MRR from the end of `from_day`
    until (not including) the end of `stop_day`, or still counted when `stop_day` is None."""

    from_day: date
    stop_day: date | None
    currency: str
    period: str
    price_minor: int
    count: int

    def counted_at_end_of(self, day: date) -> bool:
        return self.from_day <= day and (self.stop_day is None or self.stop_day > day)

    @property
    def monthly_minor(self) -> int:
        return monthly_minor(self.price_minor, self.period) * self.count


def mrr_per_day(groups: Iterable[PayingGroup], span: DayRange) -> dict[str, list[int]]:
    """Each currency's MRR at the end of each day of the range (minor units): a running sum of
    what starts and stops each day, so the work grows with groups plus days, not their product."""
    days = len(span.days)
    deltas: dict[str, list[int]] = {}
    for group in groups:
        start = max(0, (group.from_day - span.first).days)
        stop = days if group.stop_day is None else (group.stop_day - span.first).days
        if start >= days or stop <= start:
            continue
        changes = deltas.setdefault(group.currency, [0] * (days + 1))
        changes[start] += group.monthly_minor
        changes[min(stop, days)] -= group.monthly_minor
    return {currency: _running(deltas[currency])[:days] for currency in sorted(deltas)}


def _running(changes: list[int]) -> list[int]:
    total, out = 0, []
    for change in changes:
        total += change
        out.append(total)
    return out


def churn_ratio(churned: int, active_at_start: int) -> Fraction | None:
    """For display only: None when nothing was active to churn from."""
    return Fraction(churned, active_at_start) if active_at_start else None


def percent(ratio: Fraction | None) -> str:
    """ "12.5%" (one decimal, half up); "–" without a ratio."""
    if ratio is None:
        return "–"
    tenths = (ratio * 1000 + Fraction(1, 2)) // 1
    return f"{tenths // 10}.{tenths % 10}%"


@dataclass(frozen=True, slots=True)
class ChurnPeriod:
    span: DayRange
    active_at_start: int
    churned: int

    @property
    def ratio(self) -> Fraction | None:
        return churn_ratio(self.churned, self.active_at_start)


def churn_periods(span: DayRange, length: int = CHURN_PERIOD_DAYS) -> list[DayRange]:
    """Periods of `length` days counted back from the range's last day (the first may be
    shorter), oldest first."""
    periods = []
    last = span.last
    while last >= span.first:
        first = max(span.first, last - timedelta(days=length - 1))
        periods.append(DayRange(first, last))
        last = first - timedelta(days=1)
    return periods[::-1]


def churn(groups: list[PayingGroup], period: DayRange) -> ChurnPeriod:
    """Of the subscriptions counted at the period's start, how many stopped within it."""
    before = period.first - timedelta(days=1)
    active = [g for g in groups if g.counted_at_end_of(before)]
    churned = sum(g.count for g in active if g.stop_day is not None and g.stop_day <= period.last)
    return ChurnPeriod(period, sum(g.count for g in active), churned)
