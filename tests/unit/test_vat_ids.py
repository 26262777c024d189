"""VAT IDs: checked offline with python-stdnum, and against the billing address's country."""

from __future__ import annotations

import pytest

from subdesk.billing.tax.vat_ids import InvalidVatId, normalise_vat_id


@pytest.mark.parametrize(
    ("typed", "country", "kept"),
    [
        ("DE136695976", "DE", "DE136695976"),
        ("de 136.695-976", "DE", "DE136695976"),
        ("136695976", "DE", "DE136695976"),  # typed without its prefix
        ("FR 40 303 265 045", "FR", "FR40303265045"),
        ("ATU13585627", "AT", "ATU13585627"),
        ("EL094014201", "GR", "EL094014201"),  # Greece's prefix is EL
        ("GR094014201", "GR", "EL094014201"),
        ("GB 980 7806 84", "GB", "GB980780684"),
    ],
)
def test_a_valid_vat_id_is_kept_compact_with_its_prefix(
    typed: str, country: str, kept: str
) -> None:
    assert normalise_vat_id(typed, country) == kept


def test_an_invalid_vat_id_is_refused_with_a_field_error() -> None:
    with pytest.raises(InvalidVatId) as refused:
        normalise_vat_id("DE136695977", "DE")  # one digit off: the check digit fails
    assert (refused.value.status, refused.value.code) == (422, "invalid_vat_id")
    assert refused.value.field == "vat_id"
    assert "DE136695977 is not a valid VAT ID" in refused.value.message


def test_a_vat_id_of_another_country_than_the_address_is_refused() -> None:
    with pytest.raises(InvalidVatId) as refused:
        normalise_vat_id("FR40303265045", "DE")
    assert refused.value.code == "vat_id_country_mismatch"
    assert refused.value.field == "vat_id"


def test_a_vat_id_outside_the_eu_and_the_uk_is_not_taken() -> None:
    with pytest.raises(InvalidVatId) as refused:
        normalise_vat_id("123456789", "US")
    assert refused.value.code == "vat_id_not_supported"
