"""Money: integer minor units in a supported currency."""

from __future__ import annotations

from decimal import Decimal

import pytest

from subdesk.money import CurrencyMismatch, Money, validate_currency


def test_money_holds_integer_minor_units() -> None:
    assert Money(1999, "USD").as_dict() == {"amount": 1999, "currency": "USD"}


def test_float_amount_is_refused() -> None:
    with pytest.raises(TypeError, match="integers in minor units"):
        Money(19.99, "USD")  # type: ignore[arg-type]


def test_integral_float_amount_is_refused() -> None:
    with pytest.raises(TypeError, match="integers in minor units"):
        Money(20.0, "USD")  # type: ignore[arg-type]


def test_decimal_amount_is_refused() -> None:
    with pytest.raises(TypeError, match="integers in minor units"):
        Money(Decimal("19.99"), "USD")  # type: ignore[arg-type]


@pytest.mark.parametrize("flag", [True, False])
def test_bool_amount_is_refused(flag: bool) -> None:
    with pytest.raises(TypeError, match="integers in minor units"):
        Money(flag, "USD")


def test_unknown_currency_is_refused() -> None:
    with pytest.raises(ValueError, match="unsupported currency 'XYZ'"):
        Money(100, "XYZ")


def test_lowercase_currency_is_refused() -> None:
    with pytest.raises(ValueError, match="unsupported currency"):
        validate_currency("usd")


def test_zero_is_zero_in_the_currency() -> None:
    assert Money.zero("EUR") == Money(0, "EUR")


def test_adding_same_currency_sums_the_amounts() -> None:
    assert Money(1000, "EUR") + Money(999, "EUR") == Money(1999, "EUR")


def test_subtracting_same_currency_can_go_negative() -> None:
    assert Money(100, "EUR") - Money(250, "EUR") == Money(-150, "EUR")


def test_adding_different_currencies_raises_currency_mismatch() -> None:
    with pytest.raises(CurrencyMismatch, match="USD vs EUR"):
        Money(100, "USD") + Money(100, "EUR")


def test_subtracting_different_currencies_raises_currency_mismatch() -> None:
    with pytest.raises(CurrencyMismatch, match="USD vs GBP"):
        Money(100, "USD") - Money(100, "GBP")


def test_comparing_different_currencies_raises_currency_mismatch() -> None:
    with pytest.raises(CurrencyMismatch, match="JPY vs USD"):
        _ = Money(100, "JPY") < Money(100, "USD")


def test_currency_mismatch_is_a_value_error() -> None:
    assert issubclass(CurrencyMismatch, ValueError)


def test_comparison_orders_by_amount() -> None:
    assert Money(100, "USD") < Money(101, "USD")
    assert Money(100, "USD") <= Money(100, "USD")
    assert not Money(101, "USD") <= Money(100, "USD")


def test_min_returns_the_smaller_amount() -> None:
    assert Money(500, "USD").min(Money(300, "USD")) == Money(300, "USD")
    assert Money(300, "USD").min(Money(500, "USD")) == Money(300, "USD")


def test_str_shows_two_decimals_and_the_currency() -> None:
    assert str(Money(1999, "USD")) == "19.99 USD"


def test_str_pads_the_minor_units() -> None:
    assert str(Money(1005, "EUR")) == "10.05 EUR"


def test_str_of_zero_has_two_decimals() -> None:
    assert str(Money(0, "GBP")) == "0.00 GBP"


def test_str_of_a_negative_amount_below_one_unit_keeps_the_sign() -> None:
    assert str(Money(-5, "USD")) == "-0.05 USD"


def test_str_of_jpy_has_no_decimals() -> None:
    assert str(Money(1500, "JPY")) == "1500 JPY"


def test_money_is_immutable() -> None:
    money = Money(100, "USD")
    with pytest.raises(AttributeError):
        money.amount = 200  # type: ignore[misc]
