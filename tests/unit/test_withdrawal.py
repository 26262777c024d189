"""The EU withdrawal period: 14 days from the contract, for customers in the EU."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from subdesk.billing.refunds import ChargeFacts, RefundBasis, RefundPolicy, refund_for_cancel_now
from subdesk.compliance.withdrawal import EU_COUNTRIES, withdrawal_deadline, withdrawal_open
from subdesk.subscriptions.periods import Period

START = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def test_the_period_is_open_for_fourteen_days_in_the_eu() -> None:
    assert withdrawal_open("DE", START, START + timedelta(days=13, hours=23))
    assert not withdrawal_open("DE", START, withdrawal_deadline(START))
    assert withdrawal_open("fr", START, START)


def test_customers_outside_the_eu_have_no_withdrawal_period() -> None:
    assert not withdrawal_open("US", START, START)
    assert not withdrawal_open("CH", START, START)
    assert len(EU_COUNTRIES) == 27


@given(
    captured=st.integers(min_value=1, max_value=10**7),
    refunded=st.integers(min_value=0, max_value=10**7),
    days=st.integers(min_value=0, max_value=13),
)
def test_a_withdrawal_refunds_all_that_remains_and_never_more(
    captured: int, refunded: int, days: int
) -> None:
    refunded = min(refunded, captured)
    charge = ChargeFacts(
        captured=captured,
        already_refunded=refunded,
        captured_at=START,
        first_paid=False,  # outside the guarantee: the withdrawal still refunds everything
        period=Period.MONTH,
        guarantee_days=0,
        period_start=START,
        period_end=START + timedelta(days=31),
    )
    now = START + timedelta(days=days)
    decision = refund_for_cancel_now(charge, RefundPolicy.NONE, now, withdrawal=True)
    assert decision.amount == captured - refunded
    assert decision.basis is RefundBasis.WITHDRAWAL
    assert decision.access_until == now
