"""Invoice numbers and public references: random enough never to repeat in practice."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from subdesk.billing.ledger import CROCKFORD, invoice_number, public_reference

ISSUED = datetime(2026, 11, 23, 23, 59, tzinfo=UTC)


def test_an_invoice_number_is_the_day_and_ten_crockford_characters() -> None:
    number = invoice_number(ISSUED)
    assert re.fullmatch(rf"INV-20261123-[{CROCKFORD}]{{5}}-[{CROCKFORD}]{{5}}", number)


def test_a_hundred_thousand_numbers_of_one_day_do_not_repeat() -> None:
    # With 30 random bits (the old 6 characters) this repeated about 5 times; with 50 bits
    # the chance of any repeat here is about 4 in a billion.
    numbers = {invoice_number(ISSUED) for _ in range(100_000)}
    assert len(numbers) == 100_000


def test_a_public_reference_is_its_prefix_and_three_groups_of_four() -> None:
    assert re.fullmatch(rf"CXL(-[{CROCKFORD}]{{4}}){{3}}", public_reference("CXL"))


def test_a_hundred_thousand_public_references_do_not_repeat() -> None:
    # With 40 random bits (the old two groups) a repeat here had a chance of about 1 in 220.
    assert len({public_reference("KND") for _ in range(100_000)}) == 100_000
