"""VAT IDs of business customers, checked with python-stdnum against the address's country.

A VAT ID is taken for an address in an EU member state or the UK. It is checked offline: its
country prefix, its format and its check digits (python-stdnum). Whether the tax office still
lists it as active (the EU's VIES, HMRC's lookup) is a network call, left to a tax provider.
"""

from __future__ import annotations

import re

from stdnum.eu import vat as eu_vat
from stdnum.exceptions import ValidationError
from stdnum.gb import vat as gb_vat

from subdesk.billing.tax.table import REVERSE_CHARGE_COUNTRIES
from subdesk.errors import InvalidRequest

# Prefixes that are not the ISO 3166 code of their country (Greece's VAT IDs start with EL,
# Northern Ireland's with XI).
PREFIX_COUNTRY = {"EL": "GR", "XI": "GB"}
COUNTRY_PREFIX = {"GR": "EL"}
_SEPARATORS = re.compile(r"[\s.\-/,]")


class InvalidVatId(InvalidRequest):
    """The VAT ID given is not one (malformed, wrong check digits, or of another country)."""

    status = 422
    code = "invalid_vat_id"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message, code=code, field="vat_id")


def vat_id_country(vat_id: str) -> str:
    """The ISO 3166 country a VAT ID belongs to, from its prefix ("EL..." is Greece)."""
    prefix = vat_id[:2].upper()
    return PREFIX_COUNTRY.get(prefix, prefix)


def normalise_vat_id(raw: str, country: str) -> str:
    """The VAT ID in its compact form with its prefix ("DE136695976"), checked against the
    address's `country`; a number typed without its prefix gets the country's."""
    number = _SEPARATORS.sub("", raw).upper()
    if not number[:2].isalpha():
        number = COUNTRY_PREFIX.get(country, country) + number
    if number.startswith("GR"):
        number = "EL" + number[2:]  # the prefix the EU's systems know
    if vat_id_country(number) != country:
        raise InvalidVatId(
            f"This VAT ID is from {vat_id_country(number)}; the billing address is in "
            f"{country}. Give the VAT ID of the country of the address.",
            code="vat_id_country_mismatch",
        )
    if country not in REVERSE_CHARGE_COUNTRIES:
        raise InvalidVatId(
            "A VAT ID is taken for a billing address in the EU or the United Kingdom.",
            code="vat_id_not_supported",
        )
    return _checked(number)


def _checked(number: str) -> str:
    try:
        if number.startswith("GB"):
            return "GB" + gb_vat.validate(number)
        return eu_vat.validate(number)
    except ValidationError:
        raise InvalidVatId(
            f"{number} is not a valid VAT ID: check its digits.", code="invalid_vat_id"
        ) from None
