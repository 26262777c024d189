"""What "cancel now" refunds: the money-back guarantee, then the configured policy."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from subdesk.billing.refunds import (
    ChargeFacts,
    RefundBasis,
    RefundDecision,
    RefundPolicy,
    refund_for_cancel_now,
    within_guarantee,
)
from subdesk.subscriptions.periods import Period, add_months

START = datetime(2026, 1, 15, tzinfo=UTC)

ANNUAL = ChargeFacts(
    captured=12000,
    already_refunded=0,
    captured_at=START,
    first_paid=False,
    period=Period.YEAR,
    guarantee_days=60,
    period_start=START,
    period_end=datetime(2027, 1, 15, tzinfo=UTC),
)
MONTHLY = ChargeFacts(
    captured=1999,
    already_refunded=0,
    captured_at=START,
    first_paid=True,
    period=Period.MONTH,
    guarantee_days=14,
    period_start=START,
    period_end=datetime(2026, 2, 15, tzinfo=UTC),
)


def day(n: int) -> datetime:
    return START + timedelta(days=n)


def test_annual_charge_refunded_in_full_on_day_59() -> None:
    decision = refund_for_cancel_now(ANNUAL, RefundPolicy.NONE, day(59))
    assert decision == RefundDecision(12000, RefundBasis.GUARANTEE, day(59))


def test_annual_renewal_charge_is_also_under_the_guarantee() -> None:
    assert not ANNUAL.first_paid
    assert within_guarantee(ANNUAL, day(30))


def test_annual_charge_refunded_in_full_on_the_last_guarantee_day() -> None:
    assert refund_for_cancel_now(ANNUAL, RefundPolicy.NONE, day(60)).amount == 12000


def test_annual_charge_not_refunded_on_day_61_by_default() -> None:
    decision = refund_for_cancel_now(ANNUAL, RefundPolicy.NONE, day(61))
    assert decision == RefundDecision(0, RefundBasis.NONE, ANNUAL.period_end)


def test_guarantee_refund_is_capped_at_what_remains_unrefunded() -> None:
    partly = replace(ANNUAL, already_refunded=2000)
    assert refund_for_cancel_now(partly, RefundPolicy.NONE, day(10)).amount == 10000


def test_guarantee_refund_ends_protection_now() -> None:
    assert refund_for_cancel_now(ANNUAL, RefundPolicy.NONE, day(10)).access_until == day(10)


def test_pro_rata_refunds_whole_unused_months() -> None:
    cancel_at = datetime(2026, 3, 20, tzinfo=UTC)  # day 64: outside the guarantee
    decision = refund_for_cancel_now(ANNUAL, RefundPolicy.PRO_RATA, cancel_at)
    # Jan 15-Feb 15 and Feb 15-Mar 15 used, Mar 15-Apr 15 started so used: 9 of 12 unused.
    assert decision == RefundDecision(9000, RefundBasis.PRO_RATA, datetime(2026, 4, 15, tzinfo=UTC))


def test_pro_rata_on_a_month_boundary_does_not_count_the_next_month_as_used() -> None:
    cancel_at = datetime(2026, 4, 15, tzinfo=UTC)
    decision = refund_for_cancel_now(ANNUAL, RefundPolicy.PRO_RATA, cancel_at)
    assert decision == RefundDecision(9000, RefundBasis.PRO_RATA, cancel_at)


def test_pro_rata_refund_is_capped_at_what_remains_unrefunded() -> None:
    partly = replace(ANNUAL, already_refunded=11000)
    decision = refund_for_cancel_now(
        partly, RefundPolicy.PRO_RATA, datetime(2026, 3, 20, tzinfo=UTC)
    )
    assert decision.amount == 1000


def test_pro_rata_in_the_last_month_refunds_nothing_and_protects_to_period_end() -> None:
    cancel_at = datetime(2026, 12, 20, tzinfo=UTC)
    decision = refund_for_cancel_now(ANNUAL, RefundPolicy.PRO_RATA, cancel_at)
    assert decision == RefundDecision(0, RefundBasis.NONE, ANNUAL.period_end)


def test_monthly_first_paid_charge_refunded_in_full_on_day_13() -> None:
    decision = refund_for_cancel_now(MONTHLY, RefundPolicy.NONE, day(13))
    assert decision == RefundDecision(1999, RefundBasis.GUARANTEE, day(13))


def test_monthly_first_paid_charge_not_refunded_after_the_guarantee() -> None:
    decision = refund_for_cancel_now(MONTHLY, RefundPolicy.NONE, day(15))
    assert decision == RefundDecision(0, RefundBasis.NONE, MONTHLY.period_end)


def test_monthly_later_charge_not_refunded_on_day_2_under_none() -> None:
    later = replace(MONTHLY, first_paid=False)
    decision = refund_for_cancel_now(later, RefundPolicy.NONE, day(2))
    assert decision == RefundDecision(0, RefundBasis.NONE, MONTHLY.period_end)


def test_monthly_later_charge_not_refunded_on_day_2_under_pro_rata() -> None:
    later = replace(MONTHLY, first_paid=False)
    decision = refund_for_cancel_now(later, RefundPolicy.PRO_RATA, day(2))
    assert decision == RefundDecision(0, RefundBasis.NONE, MONTHLY.period_end)


def test_fully_refunded_charge_gets_nothing_more() -> None:
    spent = replace(ANNUAL, already_refunded=12000)
    assert refund_for_cancel_now(spent, RefundPolicy.NONE, day(5)).amount == 0


instants = st.datetimes(
    min_value=datetime(2025, 1, 1), max_value=datetime(2028, 12, 31), timezones=st.just(UTC)
)


@st.composite
def charges(draw: st.DrawFn) -> ChargeFacts:
    captured = draw(st.integers(0, 10**8))
    period = draw(st.sampled_from(Period))
    period_start = draw(instants)
    return ChargeFacts(
        captured=captured,
        already_refunded=draw(st.integers(0, captured)),
        captured_at=draw(instants),
        first_paid=draw(st.booleans()),
        period=period,
        guarantee_days=draw(st.integers(0, 90)),
        period_start=period_start,
        period_end=add_months(period_start, period.months),
    )


@given(charge=charges(), policy=st.sampled_from(RefundPolicy), now=instants)
def test_refund_is_never_negative_nor_more_than_remains(
    charge: ChargeFacts, policy: RefundPolicy, now: datetime
) -> None:
    decision = refund_for_cancel_now(charge, policy, now)
    assert 0 <= decision.amount <= charge.captured - charge.already_refunded
