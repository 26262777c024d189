"""Account rules: what a valid email, password, country and region are."""

from __future__ import annotations

import pycountry

from subdesk.accounts.passwords import MAX_LENGTH, MIN_LENGTH
from subdesk.errors import InvalidRequest

SUPPORTED_LOCALES = ("en", "de")


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
