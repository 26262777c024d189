"""Account rules: password length, country, region and locale."""

from __future__ import annotations

import pytest

from subdesk.accounts.rules import (
    MAX_LENGTH,
    MIN_LENGTH,
    check_password,
    normalise_country,
    normalise_locale,
    normalise_region,
)
from subdesk.errors import InvalidRequest


def test_password_of_the_minimum_length_is_accepted() -> None:
    check_password("x" * MIN_LENGTH)


def test_password_too_short_is_refused() -> None:
    with pytest.raises(InvalidRequest, match=f"at least {MIN_LENGTH} characters") as caught:
        check_password("x" * (MIN_LENGTH - 1))
    assert caught.value.code == "password_too_short"
    assert caught.value.field == "password"
    assert caught.value.status == 400


def test_password_too_long_is_refused() -> None:
    with pytest.raises(InvalidRequest, match="too long") as caught:
        check_password("x" * (MAX_LENGTH + 1))
    assert caught.value.code == "password_too_long"


@pytest.mark.parametrize(("given", "expected"), [("US", "US"), ("de", "DE"), (" gb ", "GB")])
def test_country_is_normalised_to_upper_case_alpha_2(given: str, expected: str) -> None:
    assert normalise_country(given) == expected


@pytest.mark.parametrize("country", ["XX", "USA", "U", ""])
def test_unknown_or_malformed_country_is_refused(country: str) -> None:
    with pytest.raises(InvalidRequest, match="ISO 3166") as caught:
        normalise_country(country)
    assert caught.value.code == "invalid_country"
    assert caught.value.field == "country"


def test_lower_case_region_is_upper_cased() -> None:
    assert normalise_region("US", "ca") == "CA"


def test_full_iso_3166_2_region_is_accepted() -> None:
    assert normalise_region("US", "US-CA") == "CA"


def test_full_region_code_in_lower_case_is_accepted() -> None:
    assert normalise_region("DE", " de-by ") == "BY"


def test_region_of_another_country_is_refused() -> None:
    with pytest.raises(InvalidRequest, match="not a region of DE") as caught:
        normalise_region("DE", "CA")
    assert caught.value.code == "invalid_region"
    assert caught.value.field == "region"


def test_region_prefixed_with_another_country_is_refused() -> None:
    with pytest.raises(InvalidRequest, match="not a region of DE"):
        normalise_region("DE", "US-CA")


@pytest.mark.parametrize("region", [None, "", "   "])
def test_missing_region_is_none(region: str | None) -> None:
    assert normalise_region("US", region) is None


@pytest.mark.parametrize(
    ("given", "expected"),
    [(None, "en"), ("en", "en"), ("DE", "de"), ("de-AT", "de"), ("en_GB", "en")],
)
def test_locale_is_reduced_to_a_supported_language(given: str | None, expected: str) -> None:
    assert normalise_locale(given) == expected


def test_unsupported_locale_is_refused() -> None:
    with pytest.raises(InvalidRequest, match="Supported languages: en, de") as caught:
        normalise_locale("fr")
    assert caught.value.code == "invalid_locale"
    assert caught.value.field == "locale"
