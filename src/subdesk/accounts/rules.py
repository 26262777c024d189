"""Account rules: what a valid email, password, country, region and billing address are."""

from __future__ import annotations

from dataclasses import dataclass

import pycountry

from subdesk.billing.tax.table import TAX_INCLUSIVE_COUNTRIES, TAXED_BY_SUBDIVISION
from subdesk.billing.tax.vat_ids import normalise_vat_id
from subdesk.errors import InvalidRequest

SUPPORTED_LOCALES = ("en", "de")
MIN_LENGTH = 10  # of a password, in characters
MAX_LENGTH = 256


def check_password(password: str) -> None:
    if len(password) < MIN_LENGTH:
        raise InvalidRequest(
            f"Choose a password of at least {MIN_LENGTH} characters.",
            code="password_too_short",
            field="password",
        )
    if len(password) > MAX_LENGTH:
        raise InvalidRequest(
            "That password is too long.", code="password_too_long", field="password"
        )


def normalise_country(country: str) -> str:
    code = country.strip().upper()
    if len(code) != 2 or pycountry.countries.get(alpha_2=code) is None:
        raise InvalidRequest(
            "Give the country as an ISO 3166 code, e.g. US or DE.",
            code="invalid_country",
            field="country",
        )
    return code


def normalise_region(country: str, region: str | None) -> str | None:
    """A region is the ISO 3166-2 subdivision (CA for US-CA), checked against the country."""
    if region is None or not region.strip():
        return None
    code = region.strip().upper().removeprefix(f"{country}-")
    if pycountry.subdivisions.get(code=f"{country}-{code}") is None:
        raise InvalidRequest(
            f"{region!r} is not a region of {country}.", code="invalid_region", field="region"
        )
    return code


def normalise_locale(locale: str | None) -> str:
    value = (locale or "en").strip().lower()[:2]
    if value not in SUPPORTED_LOCALES:
        raise InvalidRequest(
            f"Supported languages: {', '.join(SUPPORTED_LOCALES)}.",
            code="invalid_locale",
            field="locale",
        )
    return value


# Where invoices need a postal code: the markets subdesk taxes (every one of them has codes).
POSTAL_CODE_COUNTRIES = TAX_INCLUSIVE_COUNTRIES | TAXED_BY_SUBDIVISION
ADDRESS_LIMITS = {"name": 200, "line1": 200, "line2": 200, "postal_code": 20, "city": 100}


class InvalidBillingAddress(InvalidRequest):
    """A billing address that cannot be one: its `field` says which part."""

    status = 422
    code = "invalid_billing_address"


@dataclass(frozen=True, slots=True)
class BillingAddressFields:
    name: str
    line1: str
    city: str
    country: str
    line2: str | None = None
    postal_code: str | None = None
    subdivision: str | None = None
    vat_id: str | None = None


def checked_billing_address(given: BillingAddressFields) -> BillingAddressFields:
    """The address as it is kept: trimmed, codes upper case, the subdivision checked against
    the country and the VAT ID against both (raises InvalidBillingAddress, InvalidVatId)."""
    country = _address_country(given.country)
    vat_id = _optional(given.vat_id, "vat_id", 40)
    return BillingAddressFields(
        name=_required(given.name, "name", "Give the name to bill."),
        line1=_required(given.line1, "line1", "Give the street and number."),
        line2=_optional(given.line2, "line2"),
        postal_code=_postal_code(country, given.postal_code),
        city=_required(given.city, "city", "Give the city."),
        country=country,
        subdivision=_subdivision(country, given.subdivision),
        vat_id=normalise_vat_id(vat_id, country) if vat_id else None,
    )


def _required(value: str, field: str, missing: str) -> str:
    found = _optional(value, field)
    if found is None:
        raise InvalidBillingAddress(missing, code="required", field=field)
    return found


def _optional(value: str | None, field: str, limit: int | None = None) -> str | None:
    text = (value or "").strip()
    longest = limit or ADDRESS_LIMITS[field]
    if len(text) > longest:
        raise InvalidBillingAddress(f"At most {longest} characters.", code="too_long", field=field)
    return text or None


def _address_country(country: str) -> str:
    code = country.strip().upper()
    if len(code) != 2 or pycountry.countries.get(alpha_2=code) is None:
        raise InvalidBillingAddress(
            "Give the country as an ISO 3166 code, e.g. US or DE.",
            code="invalid_country",
            field="country",
        )
    return code


def _postal_code(country: str, value: str | None) -> str | None:
    code = _optional(value, "postal_code")
    if code is None and country in POSTAL_CODE_COUNTRIES:
        raise InvalidBillingAddress("Give the postal code.", code="required", field="postal_code")
    return code.upper() if code else None


def _subdivision(country: str, value: str | None) -> str | None:
    """The ISO 3166-2 subdivision without its country ("NY"), required where it sets the tax."""
    text = (value or "").strip().upper().removeprefix(f"{country}-")
    if not text:
        if country in TAXED_BY_SUBDIVISION:
            raise InvalidBillingAddress(
                "Give the state (e.g. NY): it decides the sales tax.",
                code="required",
                field="subdivision",
            )
        return None
    if len(text) > 3 or pycountry.subdivisions.get(code=f"{country}-{text}") is None:
        raise InvalidBillingAddress(
            f"{value!r} is not a state or region of {country}.",
            code="invalid_subdivision",
            field="subdivision",
        )
    return text
