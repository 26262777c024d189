"""Public references (cancellations, declarations): random enough never to repeat in practice."""

from __future__ import annotations

import re

from subdesk.billing.ledger import CROCKFORD, public_reference


def test_a_public_reference_is_its_prefix_and_three_groups_of_four() -> None:
    assert re.fullmatch(rf"CXL(-[{CROCKFORD}]{{4}}){{3}}", public_reference("CXL"))


def test_a_hundred_thousand_public_references_do_not_repeat() -> None:
    # With 40 random bits (the old two groups) a repeat here had a chance of about 1 in 220.
    assert len({public_reference("KND") for _ in range(100_000)}) == 100_000
