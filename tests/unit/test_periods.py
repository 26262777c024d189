"""Billing-period arithmetic: clamping to month end, no drift from the anchor."""

from __future__ import annotations

import calendar
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from subdesk.subscriptions.periods import Period, add_months, period_bounds, whole_months_between


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


anchors = st.datetimes(
    min_value=datetime(2000, 1, 1),
    max_value=datetime(2100, 12, 31),
    timezones=st.just(UTC),
)


def test_add_months_clamps_jan_31_to_feb_28() -> None:
    assert add_months(utc(2026, 1, 31), 1) == utc(2026, 2, 28)


def test_add_months_clamps_jan_31_to_feb_29_in_a_leap_year() -> None:
    assert add_months(utc(2028, 1, 31), 1) == utc(2028, 2, 29)


def test_add_months_crosses_the_year_boundary() -> None:
    assert add_months(utc(2026, 11, 30), 3) == utc(2027, 2, 28)


def test_add_months_keeps_the_time_of_day_and_timezone() -> None:
    moved = add_months(utc(2026, 1, 15, 10, 30), 1)
    assert moved == utc(2026, 2, 15, 10, 30)
    assert moved.tzinfo is UTC


def test_add_months_by_zero_is_the_anchor() -> None:
    assert add_months(utc(2026, 1, 31), 0) == utc(2026, 1, 31)


def test_monthly_periods_from_jan_31_end_on_each_month_end_without_drift() -> None:
    anchor = utc(2026, 1, 31)
    ends = [period_bounds(anchor, Period.MONTH, n)[1] for n in (1, 2, 3)]
    assert ends == [utc(2026, 2, 28), utc(2026, 3, 31), utc(2026, 4, 30)]


def test_first_period_starts_at_the_anchor() -> None:
    anchor = utc(2026, 1, 15, 10)
    assert period_bounds(anchor, Period.MONTH, 1) == (anchor, utc(2026, 2, 15, 10))


def test_monthly_period_in_a_leap_year_ends_on_feb_29() -> None:
    assert period_bounds(utc(2028, 1, 31), Period.MONTH, 1)[1] == utc(2028, 2, 29)


def test_annual_periods_from_feb_29_end_on_feb_28_in_common_years() -> None:
    anchor = utc(2028, 2, 29)
    assert period_bounds(anchor, Period.YEAR, 1) == (anchor, utc(2029, 2, 28))
    assert period_bounds(anchor, Period.YEAR, 2) == (utc(2029, 2, 28), utc(2030, 2, 28))


def test_annual_period_from_feb_29_returns_to_feb_29_in_the_next_leap_year() -> None:
    assert period_bounds(utc(2028, 2, 29), Period.YEAR, 4) == (utc(2031, 2, 28), utc(2032, 2, 29))


def test_period_number_zero_is_refused() -> None:
    with pytest.raises(ValueError, match="numbered from 1"):
        period_bounds(utc(2026, 1, 1), Period.MONTH, 0)


def test_period_months() -> None:
    assert Period.MONTH.months == 1
    assert Period.YEAR.months == 12


def test_whole_months_between_counts_complete_months_only() -> None:
    assert whole_months_between(utc(2026, 1, 15), utc(2026, 3, 20)) == 2


def test_whole_months_between_counts_a_month_ending_exactly_at_end() -> None:
    assert whole_months_between(utc(2026, 1, 15), utc(2026, 3, 15)) == 2


def test_whole_months_between_is_short_by_a_minute_before_the_boundary() -> None:
    assert whole_months_between(utc(2026, 1, 15, 10), utc(2026, 3, 15, 9, 59)) == 1


def test_whole_months_between_clamps_like_add_months() -> None:
    assert whole_months_between(utc(2026, 1, 31), utc(2026, 2, 28)) == 1
    assert whole_months_between(utc(2026, 1, 31), utc(2026, 3, 30)) == 1


def test_whole_months_between_is_zero_when_end_is_not_after_start() -> None:
    assert whole_months_between(utc(2026, 3, 1), utc(2026, 3, 1)) == 0
    assert whole_months_between(utc(2026, 3, 1), utc(2026, 1, 1)) == 0


@given(anchor=anchors, period=st.sampled_from(Period), number=st.integers(1, 60))
def test_each_period_ends_where_the_next_begins(
    anchor: datetime, period: Period, number: int
) -> None:
    _, end = period_bounds(anchor, period, number)
    next_start, _ = period_bounds(anchor, period, number + 1)
    assert end == next_start


@given(anchor=anchors, period=st.sampled_from(Period), number=st.integers(1, 60))
def test_period_ends_are_strictly_increasing(anchor: datetime, period: Period, number: int) -> None:
    start, end = period_bounds(anchor, period, number)
    _, next_end = period_bounds(anchor, period, number + 1)
    assert start < end < next_end


@given(anchor=anchors, period=st.sampled_from(Period), number=st.integers(1, 60))
def test_period_end_day_is_the_anchor_day_clamped_to_the_month(
    anchor: datetime, period: Period, number: int
) -> None:
    _, end = period_bounds(anchor, period, number)
    days_in_month = calendar.monthrange(end.year, end.month)[1]
    assert end.day == min(anchor.day, days_in_month)
    assert end.time() == anchor.time()


@given(start=anchors, gap=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=3700)))
def test_whole_months_between_is_the_largest_month_count_that_fits(
    start: datetime, gap: timedelta
) -> None:
    end = start + gap
    months = whole_months_between(start, end)
    assert add_months(start, months) <= end < add_months(start, months + 1)
