"""The dashboards' pure arithmetic: the range, case ages, a month's share of a price, MRR
day by day and churn, without a database."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from subdesk.errors import InvalidRequest
from subdesk.support.dashboard.rules import (
    AgeBucket,
    DayRange,
    PayingGroup,
    age_bucket,
    cancellations_per_day,
    case_grid,
    checked_days,
    churn,
    churn_periods,
    churn_ratio,
    day_range,
    monthly_minor,
    mrr_per_day,
    percent,
    refunds_per_day,
)
from subdesk.support.rules import Priority

NOW = datetime(2026, 1, 15, 10, 0, tzinfo=UTC)
WEEK = DayRange(date(2026, 1, 9), date(2026, 1, 15))


def d(day: int) -> date:
    return date(2026, 1, day)


def test_the_range_is_30_days_up_to_today_unless_asked() -> None:
    assert checked_days(None) == 30
    assert checked_days("") == 30
    assert day_range(NOW, 30) == DayRange(date(2025, 12, 17), d(15))
    assert day_range(NOW, 7) == WEEK
    assert len(day_range(NOW, 366).days) == 366


def test_today_is_the_utc_day() -> None:
    late_in_new_york = datetime(2026, 1, 15, 3, 0, tzinfo=UTC).astimezone()
    assert day_range(late_in_new_york, 7).last == d(15)


@pytest.mark.parametrize("text", ["6", "367", "0", "-7", "seven", "7.5", "1e3"])
def test_a_range_outside_7_to_366_days_is_refused(text: str) -> None:
    with pytest.raises(InvalidRequest) as refused:
        checked_days(text)
    assert refused.value.field == "days"
    assert "7 to 366" in refused.value.message


def test_the_range_knows_its_midnights() -> None:
    assert WEEK.starts_at == datetime(2026, 1, 9, tzinfo=UTC)
    assert WEEK.ends_at == datetime(2026, 1, 16, tzinfo=UTC)
    assert WEEK.days == [d(day) for day in range(9, 16)]


@pytest.mark.parametrize(
    ("age", "bucket"),
    [
        (timedelta(0), AgeBucket.UNDER_1_DAY),
        (timedelta(hours=23, minutes=59), AgeBucket.UNDER_1_DAY),
        (timedelta(days=1), AgeBucket.DAYS_1_TO_3),
        (timedelta(days=3) - timedelta(seconds=1), AgeBucket.DAYS_1_TO_3),
        (timedelta(days=3), AgeBucket.DAYS_3_TO_7),
        (timedelta(days=7) - timedelta(seconds=1), AgeBucket.DAYS_3_TO_7),
        (timedelta(days=7), AgeBucket.OVER_7_DAYS),
        (timedelta(days=400), AgeBucket.OVER_7_DAYS),
    ],
)
def test_a_case_falls_in_the_bucket_of_its_age(age: timedelta, bucket: AgeBucket) -> None:
    assert age_bucket(NOW - age, NOW) is bucket


def test_the_case_grid_has_every_age_and_priority() -> None:
    grid = case_grid([("under_1_day", "urgent", 2), ("over_7_days", "low", 1)])
    assert list(grid) == list(AgeBucket)
    assert all(list(row) == list(Priority) for row in grid.values())
    assert grid[AgeBucket.UNDER_1_DAY][Priority.URGENT] == 2
    assert grid[AgeBucket.OVER_7_DAYS][Priority.LOW] == 1
    assert sum(sum(row.values()) for row in grid.values()) == 3


def test_days_without_cancellations_or_refunds_are_zero() -> None:
    per_day = cancellations_per_day([(d(10), "now", 2), (d(10), "period_end", 1)], WEEK)
    assert [c.total for c in per_day] == [0, 3, 0, 0, 0, 0, 0]
    assert (per_day[1].now, per_day[1].period_end) == (2, 1)
    refunds = refunds_per_day([(d(15), "USD", 2, 998), (d(9), "EUR", 1, 4999)], WEEK)
    assert list(refunds) == ["EUR", "USD"]
    assert [(r.count, r.amount_minor) for r in refunds["USD"]] == [(0, 0)] * 6 + [(2, 998)]
    assert refunds_per_day([], WEEK) == {}


@pytest.mark.parametrize(
    ("price", "period", "monthly"),
    [
        (499, "month", 499),
        (4999, "year", 417),  # 416.58
        (9999, "year", 833),  # 833.25
        (5994, "year", 500),  # 499.5: half up
        (6, "year", 1),  # 0.5
        (5, "year", 0),
        (0, "year", 0),
        (12000, "year", 1000),
    ],
)
def test_a_price_counts_as_its_monthly_share(price: int, period: str, monthly: int) -> None:
    assert monthly_minor(price, period) == monthly


@given(st.integers(min_value=0, max_value=10**9))
def test_a_yearly_share_is_within_half_a_minor_unit(price: int) -> None:
    monthly = monthly_minor(price, "year")
    assert isinstance(monthly, int)
    assert -6 <= price - 12 * monthly < 6  # half up: x.5 goes up


def test_an_unknown_period_is_refused() -> None:
    with pytest.raises(ValueError, match="week"):
        monthly_minor(100, "week")


def group(
    start: int,
    stop: int | None,
    price: int = 499,
    *,
    currency: str = "USD",
    period: str = "month",
    count: int = 1,
) -> PayingGroup:
    return PayingGroup(d(start), None if stop is None else d(stop), currency, period, price, count)


def test_mrr_counts_a_subscription_from_its_first_day_until_the_day_it_stops() -> None:
    mrr = mrr_per_day([group(10, 13)], WEEK)
    assert mrr == {"USD": [0, 499, 499, 499, 0, 0, 0]}


def test_mrr_sums_per_currency_and_counts_groups() -> None:
    groups = [
        group(8, None, 4999, period="year", count=2),  # began before the range
        group(12, None, 4999, currency="EUR", period="year"),
        group(1, 5),  # stopped before the range
        group(16, None),  # after it
        group(11, 11),  # began and stopped the same day: never counted at a day's end
    ]
    assert mrr_per_day(groups, WEEK) == {"EUR": [0, 0, 0, 417, 417, 417, 417], "USD": [834] * 7}


@given(
    st.lists(
        st.tuples(
            st.integers(min_value=1, max_value=20),
            st.one_of(st.none(), st.integers(min_value=1, max_value=25)),
            st.integers(min_value=0, max_value=20000),
            st.integers(min_value=1, max_value=5),
        ),
        max_size=20,
    )
)
def test_mrr_per_day_is_the_sum_of_what_counts_at_each_days_end(
    rows: list[tuple[int, int | None, int, int]],
) -> None:
    groups = [group(s, e, p, count=n) for s, e, p, n in rows]
    mrr = mrr_per_day(groups, WEEK).get("USD", [0] * 7)
    for i, day in enumerate(WEEK.days):
        assert mrr[i] == sum(g.monthly_minor for g in groups if g.counted_at_end_of(day))


def test_churn_is_the_share_of_those_counted_at_the_start_that_stopped() -> None:
    groups = [
        group(1, None, count=3),
        group(2, 12),  # stopped within: churned
        group(3, 9),  # stopped on the first day: churned
        group(4, 8),  # stopped before: not counted at the start
        group(10, 11),  # began within: neither
    ]
    period = churn(groups, WEEK)
    assert (period.active_at_start, period.churned) == (5, 2)
    assert period.ratio == Fraction(2, 5)
    assert percent(period.ratio) == "40.0%"


def test_churn_without_anyone_to_churn_has_no_ratio() -> None:
    assert churn_ratio(0, 0) is None
    assert percent(None) == "–"
    assert percent(Fraction(1, 8)) == "12.5%"
    assert percent(Fraction(1, 3)) == "33.3%"
    assert percent(Fraction(2, 3)) == "66.7%"
    assert percent(Fraction(1)) == "100.0%"


def test_churn_periods_are_weeks_counted_back_from_today() -> None:
    span = DayRange(d(1), d(15))
    assert churn_periods(span) == [
        DayRange(d(1), d(1)),
        DayRange(d(2), d(8)),
        DayRange(d(9), d(15)),
    ]
    assert churn_periods(WEEK) == [WEEK]
    assert len(churn_periods(day_range(NOW, 366))) == 53
