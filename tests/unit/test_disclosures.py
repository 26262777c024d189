"""The auto-renewal disclosure names the prices, period, trial and how to cancel."""

from __future__ import annotations

from subdesk.catalog.disclosures import disclosure_text
from subdesk.money import Money


def annual_with_intro() -> str:
    return disclosure_text(
        plan_name="Total Security",
        period="year",
        trial_days=0,
        intro_price=Money(2999, "USD"),
        renewal_price=Money(8999, "USD"),
        guarantee_days=60,
    )


def monthly_with_trial() -> str:
    return disclosure_text(
        plan_name="Antivirus Plus",
        period="month",
        trial_days=30,
        intro_price=None,
        renewal_price=Money(499, "EUR"),
        guarantee_days=14,
    )


def test_names_the_first_price() -> None:
    assert "charged 29.99 USD today for the first year of Total Security" in annual_with_intro()


def test_first_price_is_the_renewal_price_without_an_intro_price() -> None:
    assert "charged 4.99 EUR for the first month" in monthly_with_trial()


def test_names_the_renewal_price_and_period() -> None:
    assert "renews automatically every year at 89.99 USD" in annual_with_intro()
    assert "renews automatically every month at 4.99 EUR" in monthly_with_trial()


def test_says_cancellation_is_online_without_a_phone_call() -> None:
    text = annual_with_intro()
    assert "cancel at any time online" in text
    assert "no phone call is needed" in text


def test_names_the_trial_length() -> None:
    assert "free trial lasts 30 days" in monthly_with_trial()


def test_mentions_no_trial_when_there_is_none() -> None:
    assert "trial" not in annual_with_intro()


def test_names_the_money_back_guarantee() -> None:
    assert "within 60 days" in annual_with_intro()
    assert "within 14 days" in monthly_with_trial()


def test_jpy_prices_have_no_decimals() -> None:
    text = disclosure_text(
        plan_name="Total Security",
        period="year",
        trial_days=0,
        intro_price=None,
        renewal_price=Money(9800, "JPY"),
        guarantee_days=60,
    )
    assert "charged 9800 JPY today" in text
    assert "every year at 9800 JPY" in text
