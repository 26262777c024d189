"""The tax provider interface, and the rule table as the default provider.

SUBDESK_TAX_PROVIDER chooses it: `table` (the default), or `package.module:factory` for a
vendor's own, made by calling `factory(settings)` once per process.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from subdesk.billing.tax.rules import TaxBreakdown, TaxRequest, breakdown
from subdesk.billing.tax.table import RULES, TaxRule
from subdesk.config import Settings


@runtime_checkable
class TaxProvider(Protocol):
    """Decides the tax of one charge.

    subdesk asks while the transaction that writes the charge's amount is open, so a provider
    makes no network call in `tax`: one backed by a remote service answers from rates it
    fetched beforehand, or is called between transactions (charge.charge_tax_requests, then
    charge.record_tax_decisions)."""

    @property
    def name(self) -> str:
        """Recorded with each decision it makes."""
        ...

    def tax(self, request: TaxRequest) -> TaxBreakdown: ...


@dataclass(frozen=True, slots=True)
class TableTaxProvider:
    """The rule table of billing/tax/table.py, for a seller established in `seller_country`."""

    seller_country: str = "DE"
    rules: Sequence[TaxRule] = RULES
    name: str = "table"

    def tax(self, request: TaxRequest) -> TaxBreakdown:
        return breakdown(request, self.seller_country, self.rules)


def build_tax_provider(settings: Settings) -> TaxProvider:
    """The provider SUBDESK_TAX_PROVIDER names."""
    choice = settings.tax_provider.strip()
    if choice == "table":
        return TableTaxProvider(settings.seller_country.upper())
    module_name, _, attribute = choice.partition(":")
    if not module_name or not attribute:
        raise ValueError(
            f"SUBDESK_TAX_PROVIDER={choice!r}: use 'table' or 'package.module:factory'"
        )
    factory = getattr(importlib.import_module(module_name), attribute)
    provider = factory(settings)
    if not isinstance(provider, TaxProvider):
        raise TypeError(f"{choice} made {provider!r}, which has no name and tax()")
    return provider
