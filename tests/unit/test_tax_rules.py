"""Tax rules: every row of the rule table, reverse charge, rounding, and the breakdown's sums."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from subdesk.billing.tax.provider import TableTaxProvider, TaxProvider, build_tax_provider
from subdesk.billing.tax.rules import (
    Jurisdiction,
    TaxBreakdown,
    TaxRequest,
    breakdown,
    prices_include_tax,
    rule_for,
    split,
)
from subdesk.billing.tax.table import RULES, TaxRule
from subdesk.config import Settings
from subdesk.money import Money

TODAY = date(2026, 1, 15)

# What each jurisdiction of the table charges today, written out by hand from the sources.
RATES_TODAY = {
    "AT": "20", "BE": "21", "BG": "20", "HR": "25", "CY": "19", "CZ": "21", "DK": "25",
    "EE": "24", "FI": "25.5", "FR": "20", "DE": "19", "GR": "24", "HU": "27", "IE": "23",
    "IT": "22", "LV": "21", "LT": "21", "LU": "17", "MT": "18", "NL": "21", "PL": "23",
    "PT": "23", "RO": "21", "SK": "23", "SI": "22", "ES": "21", "SE": "25",
    "GB": "20",
    "US-IN": "7", "US-IA": "6", "US-KS": "6.5", "US-KY": "6", "US-LA": "5", "US-ME": "5.5",
    "US-MD": "6", "US-MA": "6.25", "US-MN": "6.875", "US-NE": "5.5", "US-NJ": "6.625",
    "US-NM": "4.875", "US-NY": "4", "US-PA": "6", "US-RI": "7", "US-SD": "4.2", "US-TN": "7",
    "US-TX": "6.25", "US-VT": "6", "US-WA": "6.5", "US-WV": "6", "US-WI": "5",
}  # fmt: skip

# Rates on the days around changes of law.
RATES_ON = [
    ("DE", "2020-06-30", "19"),
    ("DE", "2020-07-01", "16"),
    ("DE", "2020-12-31", "16"),
    ("DE", "2021-01-01", "19"),
    ("EE", "2023-12-31", "20"),
    ("EE", "2024-01-01", "22"),
    ("EE", "2025-06-30", "22"),
    ("EE", "2025-07-01", "24"),
    ("FI", "2024-08-31", "24"),
    ("FI", "2024-09-01", "25.5"),
    ("IE", "2020-12-01", "21"),
    ("IE", "2021-03-01", "23"),
    ("LU", "2023-06-01", "16"),
    ("LU", "2024-01-01", "17"),
    ("RO", "2025-07-31", "19"),
    ("RO", "2025-08-01", "21"),
    ("SK", "2024-12-31", "20"),
    ("SK", "2025-01-01", "23"),
    ("US-NM", "2023-06-30", "5"),
    ("US-NM", "2023-07-01", "4.875"),
    ("US-SD", "2023-06-30", "4.5"),
    ("US-SD", "2023-07-01", "4.2"),
]

VALID_VAT_IDS = {"DE": "DE136695976", "FR": "FR40303265045", "AT": "ATU13585627"}


def _jurisdiction(code: str) -> Jurisdiction:
    country, _, subdivision = code.partition("-")
    return Jurisdiction(country, subdivision or None)


def _tax(
    code: str,
    amount: int,
    currency: str = "EUR",
    *,
    day: date = TODAY,
    vat_id: str | None = None,
    seller: str = "DE",
) -> TaxBreakdown:
    where = _jurisdiction(code)
    request = TaxRequest(
        jurisdiction=where,
        price=Money(amount, currency),
        price_includes_tax=prices_include_tax(where.country),
        supplied_on=day,
        vat_id=vat_id,
    )
    return TableTaxProvider(seller).tax(request)


def _expected_tax(amount: int, rate: Decimal, inclusive: bool) -> int:
    """The tax computed another way than the code's: Decimal arithmetic, half up."""
    exact = amount * rate / (100 + rate) if inclusive else amount * rate / 100
    return int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def test_every_jurisdiction_in_the_table_is_tested() -> None:
    assert {rule.jurisdiction for rule in RULES} == set(RATES_TODAY)


@pytest.mark.parametrize(("code", "rate"), sorted(RATES_TODAY.items()))
def test_each_jurisdiction_charges_its_rate_today(code: str, rate: str) -> None:
    inclusive = not code.startswith("US")
    taxed = _tax(code, 1199, "EUR" if inclusive else "USD")
    expected = _expected_tax(1199, Decimal(rate), inclusive)
    assert taxed.rate == Decimal(rate)
    assert taxed.jurisdiction == code
    assert taxed.tax.amount == expected
    assert taxed.net + taxed.tax == taxed.gross
    assert taxed.gross.amount == (1199 if inclusive else 1199 + expected)
    assert taxed.price_includes_tax is inclusive
    assert taxed.source
    assert taxed.reverse_charge is False


@pytest.mark.parametrize(("code", "day", "rate"), RATES_ON)
def test_the_rate_changes_on_the_day_the_law_says(code: str, day: str, rate: str) -> None:
    assert _tax(code, 10000, day=date.fromisoformat(day)).rate == Decimal(rate)


def test_every_row_has_a_source_a_sane_rate_and_its_own_day() -> None:
    assert all(rule.source.strip() for rule in RULES)
    assert all(Decimal(0) < rule.rate < Decimal(30) for rule in RULES)
    days = [(rule.jurisdiction, rule.applies_from) for rule in RULES]
    assert len(days) == len(set(days))


def test_before_a_jurisdictions_first_row_nothing_applies() -> None:
    assert rule_for("US-LA", date(2024, 12, 31)) is None
    assert rule_for("US-LA", date(2025, 1, 1)) is not None


def test_a_german_customer_pays_19_percent_included() -> None:
    taxed = _tax("DE", 1199)
    assert (taxed.net, taxed.tax, taxed.gross) == (
        Money(1008, "EUR"),
        Money(191, "EUR"),
        Money(1199, "EUR"),
    )
    assert taxed.rate == Decimal("19")
    assert taxed.price_includes_tax is True
    assert "UStG" in taxed.source


@pytest.mark.parametrize("code", ["US-CA", "US-FL", "US-OR", "US-DE", "US"])
def test_a_us_customer_in_a_state_without_tax_on_digital_goods_pays_none(code: str) -> None:
    taxed = _tax(code, 4999, "USD")
    assert (taxed.net, taxed.tax, taxed.gross) == (
        Money(4999, "USD"),
        Money(0, "USD"),
        Money(4999, "USD"),
    )
    assert taxed.rate == Decimal(0)
    assert taxed.jurisdiction == code
    assert taxed.source.startswith("not taxed")


def test_a_us_customer_in_new_york_has_the_state_tax_added() -> None:
    taxed = _tax("US-NY", 4999, "USD")
    assert (taxed.net, taxed.tax, taxed.gross) == (
        Money(4999, "USD"),
        Money(200, "USD"),
        Money(5199, "USD"),
    )
    assert taxed.price_includes_tax is False


def test_a_business_with_a_valid_vat_id_in_another_eu_country_gets_reverse_charge() -> None:
    taxed = _tax("FR", 1199, vat_id=VALID_VAT_IDS["FR"])
    assert taxed.reverse_charge is True
    assert taxed.tax == Money(0, "EUR")
    # It pays the net of the French consumer price: 11.99 less its 20 % VAT.
    assert taxed.net == taxed.gross == Money(999, "EUR")
    assert taxed.rate == Decimal(0)
    assert "Art. 44, 196" in taxed.source


def test_a_business_in_the_sellers_own_country_pays_vat() -> None:
    taxed = _tax("DE", 1199, vat_id=VALID_VAT_IDS["DE"])
    assert taxed.reverse_charge is False
    assert taxed.tax == Money(191, "EUR")


def test_reverse_charge_follows_the_sellers_country() -> None:
    assert _tax("DE", 1199, vat_id=VALID_VAT_IDS["DE"], seller="FR").reverse_charge is True
    assert _tax("FR", 1199, vat_id=VALID_VAT_IDS["FR"], seller="FR").reverse_charge is False


def test_a_uk_business_with_a_vat_id_accounts_for_uk_vat_itself() -> None:
    taxed = _tax("GB", 1199, "GBP", vat_id="GB980780684")
    assert taxed.reverse_charge is True
    assert taxed.tax == Money(0, "GBP")
    assert "VATA 1994 s. 8" in taxed.source


def test_a_consumer_outside_the_tables_countries_pays_no_tax() -> None:
    taxed = _tax("CH", 1199, "CHF")
    assert taxed.tax == Money(0, "CHF")
    assert taxed.gross == Money(1199, "CHF")


def test_a_currency_without_minor_units_rounds_to_whole_units() -> None:
    taxed = _tax("DE", 1999, "JPY")
    assert taxed.tax == Money(319, "JPY")  # 1999 x 19/119 = 319.17
    assert taxed.net == Money(1680, "JPY")


rates = st.decimals(min_value=0, max_value=100, places=3, allow_nan=False, allow_infinity=False)


@given(
    amount=st.integers(min_value=0, max_value=10**12),
    rate=rates,
    includes_tax=st.booleans(),
    reverse_charge=st.booleans(),
)
def test_net_and_tax_always_add_up_to_gross(
    amount: int, rate: Decimal, includes_tax: bool, reverse_charge: bool
) -> None:
    price = Money(amount, "EUR")
    net, tax, gross = split(price, rate, includes_tax=includes_tax, reverse_charge=reverse_charge)
    assert net + tax == gross
    assert tax.amount >= 0
    assert net.amount >= 0
    if reverse_charge:
        assert tax.amount == 0
    elif includes_tax:
        assert gross == price
        exact = Fraction(amount) * Fraction(rate) / (100 + Fraction(rate))
        assert abs(tax.amount - exact) <= Fraction(1, 2)
    else:
        assert net == price
        assert abs(tax.amount - Fraction(amount) * Fraction(rate) / 100) <= Fraction(1, 2)


def test_negative_prices_are_refused() -> None:
    with pytest.raises(ValueError, match="never negative"):
        split(Money(-1, "EUR"), Decimal(19), includes_tax=True)


def test_the_table_is_the_default_provider_for_the_configured_seller() -> None:
    provider = build_tax_provider(Settings(tax_provider="table", seller_country="fr"))
    assert provider == TableTaxProvider("FR")
    assert provider.name == "table"


class FlatTax:
    """A vendor's provider: 10 % on everything."""

    name = "flat"

    def tax(self, request: TaxRequest) -> TaxBreakdown:
        rule = TaxRule(request.jurisdiction.code, Decimal(10), date.min, "vendor: flat 10 %")
        return breakdown(request, "DE", [rule])


def vendor_provider(settings: Settings) -> TaxProvider:
    return FlatTax()


def test_a_vendors_provider_is_made_from_its_dotted_path() -> None:
    provider = build_tax_provider(Settings(tax_provider=f"{__name__}:vendor_provider"))
    assert isinstance(provider, FlatTax)
    request = TaxRequest(Jurisdiction("US", "CA"), Money(1000, "USD"), False, TODAY)
    assert provider.tax(request).tax == Money(100, "USD")


@pytest.mark.parametrize("choice", ["taxjar", "no_such_module:factory"])
def test_an_unknown_provider_is_refused_at_start(choice: str) -> None:
    with pytest.raises((ValueError, ModuleNotFoundError)):
        build_tax_provider(Settings(tax_provider=choice))
