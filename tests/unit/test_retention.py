"""The save offer: at most one, always cheaper, same currency and period."""

from __future__ import annotations

from dataclasses import dataclass

from subdesk.subscriptions.retention import save_offer


@dataclass(frozen=True)
class P:
    id: str
    renewal_price_minor: int
    currency: str = "USD"
    period: str = "year"
    active: bool = True


def test_the_closest_cheaper_plan_is_offered() -> None:
    current = P("suite", 8999)
    plans = [current, P("av", 4999), P("mini", 1999), P("total", 14999)]
    assert save_offer(current, plans) == P("av", 4999)


def test_no_offer_when_nothing_is_cheaper() -> None:
    current = P("av", 4999)
    assert save_offer(current, [current, P("total", 14999)]) is None


def test_other_currencies_periods_and_retired_plans_are_never_offered() -> None:
    current = P("suite", 8999)
    plans = [
        P("eur", 4999, currency="EUR"),
        P("monthly", 499, period="month"),
        P("retired", 4999, active=False),
    ]
    assert save_offer(current, plans) is None
