"""Pure tax rules: which row of the table applies, reverse charge, and a price's breakdown.

Tax is computed on the line and rounded half up to the minor unit. A tax-inclusive price is
what the customer pays (gross = price, net = gross - tax); a net price has the tax added
(gross = net + tax). Whether a price includes tax follows the customer's country, not the
plan: where the law wants consumers shown the price they pay (the EU and the UK) it does,
elsewhere (the US) sales tax is added at checkout. A plan's stored price is therefore read
as tax-inclusive for a customer in Germany and as net for one in New York.

A business with a valid VAT ID in a reverse-charge country other than the seller's pays no
VAT and accounts for it itself. It pays the price net of the VAT its country's consumers
pay: the same net as everyone in that country, rather than the consumer price with the VAT
kept by the seller.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import Any

from subdesk.billing.tax.table import (
    REVERSE_CHARGE_COUNTRIES,
    RULES,
    TAX_INCLUSIVE_COUNTRIES,
    TAXED_BY_SUBDIVISION,
    TaxRule,
)
from subdesk.money import Money

NOT_TAXED = "not taxed: no row of the rule table applies"
REVERSE_CHARGE_SOURCES = {
    "GB": "reverse charge: UK VATA 1994 s. 8",
}
EU_REVERSE_CHARGE = "reverse charge: Directive 2006/112/EC Art. 44, 196"


@dataclass(frozen=True, slots=True)
class Jurisdiction:
    """Where the customer is for tax: a country, and its subdivision where that matters."""

    country: str
    subdivision: str | None = None

    @property
    def code(self) -> str:
        """The code the table is keyed by: US-NY where the state sets the tax, else DE."""
        if self.country in TAXED_BY_SUBDIVISION and self.subdivision:
            return f"{self.country}-{self.subdivision}"
        return self.country


@dataclass(frozen=True, slots=True)
class TaxRequest:
    """What a tax provider is asked: who buys, at what price, on which day."""

    jurisdiction: Jurisdiction
    price: Money
    price_includes_tax: bool
    supplied_on: date
    vat_id: str | None = None  # a validated VAT ID: the customer is a business


@dataclass(frozen=True, slots=True)
class TaxBreakdown:
    """A price split into net, tax and gross, with the rate and rule that decided it."""

    net: Money
    tax: Money
    gross: Money
    rate: Decimal  # percent, exact: Decimal("19")
    jurisdiction: str
    reverse_charge: bool
    source: str
    price_includes_tax: bool
    # The recorded decision with its evidence (tax_for_charge); None when only computed.
    decision_id: uuid.UUID | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "net": self.net.as_dict(),
            "tax": self.tax.as_dict(),
            "gross": self.gross.as_dict(),
            "rate": str(self.rate),
            "jurisdiction": self.jurisdiction,
            "reverse_charge": self.reverse_charge,
            "source": self.source,
            "price_includes_tax": self.price_includes_tax,
        }


def rule_for(code: str, day: date, rules: Sequence[TaxRule] = RULES) -> TaxRule | None:
    """The row of `code` in force on `day`: the latest that applies from then or before."""
    candidates = [r for r in rules if r.jurisdiction == code and r.applies_from <= day]
    return max(candidates, key=lambda r: r.applies_from, default=None)


def prices_include_tax(country: str) -> bool:
    return country in TAX_INCLUSIVE_COUNTRIES


def reverse_charge_applies(country: str, vat_id: str | None, seller_country: str) -> bool:
    return vat_id is not None and country in REVERSE_CHARGE_COUNTRIES and country != seller_country


def _half_up(value: Fraction) -> int:
    return math.floor(value + Fraction(1, 2))


def tax_included(amount: int, rate: Decimal) -> int:
    """The tax inside a tax-inclusive amount, in minor units, rounded half up."""
    percent = Fraction(rate)
    return _half_up(Fraction(amount) * percent / (100 + percent))


def tax_added(amount: int, rate: Decimal) -> int:
    """The tax on a net amount, in minor units, rounded half up."""
    return _half_up(Fraction(amount) * Fraction(rate) / 100)


def split(
    price: Money, rate: Decimal, *, includes_tax: bool, reverse_charge: bool = False
) -> tuple[Money, Money, Money]:
    """(net, tax, gross) of `price` at `rate` percent; always net + tax == gross."""
    if price.amount < 0 or rate < 0:
        raise ValueError("prices and tax rates are never negative")
    if includes_tax:
        net = price - Money(tax_included(price.amount, rate), price.currency)
        if reverse_charge:
            return net, Money.zero(price.currency), net
        return net, price - net, price
    if reverse_charge:
        return price, Money.zero(price.currency), price
    tax = Money(tax_added(price.amount, rate), price.currency)
    return price, tax, price + tax


def breakdown(
    request: TaxRequest, seller_country: str, rules: Sequence[TaxRule] = RULES
) -> TaxBreakdown:
    """The table's answer to `request`, for a seller established in `seller_country`."""
    where = request.jurisdiction
    rule = rule_for(where.code, request.supplied_on, rules)
    rate = rule.rate if rule else Decimal(0)
    reverse = rule is not None and reverse_charge_applies(
        where.country, request.vat_id, seller_country
    )
    net, tax, gross = split(
        request.price, rate, includes_tax=request.price_includes_tax, reverse_charge=reverse
    )
    source = rule.source if rule else NOT_TAXED
    if reverse:
        source = f"{source}; {REVERSE_CHARGE_SOURCES.get(where.country, EU_REVERSE_CHARGE)}"
    return TaxBreakdown(
        net=net,
        tax=tax,
        gross=gross,
        rate=Decimal(0) if reverse else rate,
        jurisdiction=where.code,
        reverse_charge=reverse,
        source=source,
        price_includes_tax=request.price_includes_tax,
    )
