"""Legal documents: their series per issuer and year, their numbers, the tax a credit takes
back and the status an invoice shows."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from subdesk.billing import documents
from subdesk.config import Settings

SETTINGS = Settings(document_prefix="SD", seller_timezone="Europe/Berlin")


def test_invoices_and_credit_notes_have_a_series_each_per_year() -> None:
    issued = datetime(2026, 6, 1, 12, tzinfo=UTC)
    assert documents.series_for("invoice", SETTINGS, issued) == "SD-2026"
    assert documents.series_for("credit_note", SETTINGS, issued) == "SD-CN-2026"
    assert documents.number_in("SD-2026", 42) == "SD-2026-000042"
    assert documents.number_in("SD-2026", 12_345_678) == "SD-2026-12345678"


def test_the_year_is_the_sellers_calendar_year() -> None:
    # 23:30 UTC on New Year's Eve is already 2027 in Berlin.
    late = datetime(2026, 12, 31, 23, 30, tzinfo=UTC)
    assert documents.series_for("invoice", SETTINGS, late) == "SD-2027"
    in_new_york = Settings(seller_timezone="America/New_York")
    assert documents.series_for("invoice", in_new_york, late) == "SD-2026"


def test_the_seller_comes_from_configuration() -> None:
    settings = Settings(
        seller_name="Shield GmbH", seller_address="Hauptstr. 1| 10115 Berlin |", seller_tax_id="X1"
    )
    seller = documents.seller_of(settings)
    assert seller.address == ("Hauptstr. 1", "10115 Berlin")
    assert seller.as_dict()["tax_id"] == "X1"


@given(
    gross=st.integers(1, 10_000_000),
    rate=st.integers(0, 2_700),  # basis points
    parts=st.lists(st.integers(1, 10_000_000), min_size=1, max_size=8),
)
def test_credits_of_a_whole_invoice_take_back_exactly_its_tax(
    gross: int, rate: int, parts: list[int]
) -> None:
    tax = gross * rate // (10_000 + rate)
    credited, taken = 0, 0
    for part in parts:
        amount = min(part, gross - credited)
        if amount <= 0:
            break
        share = documents.credited_tax(gross, tax, credited, amount)
        assert 0 <= share <= amount
        credited, taken = credited + amount, taken + share
    if credited < gross:
        taken += documents.credited_tax(gross, tax, credited, gross - credited)
    assert taken == tax


def test_half_a_refund_takes_half_the_tax_rounded_half_up() -> None:
    assert documents.credited_tax(1199, 191, 0, 600) == 96  # 95.58 -> 96
    assert documents.credited_tax(1199, 191, 600, 599) == 95


def test_an_invoice_shows_what_its_credit_notes_took_back() -> None:
    assert documents.status_of(2999, 0) == "paid"
    assert documents.status_of(2999, 1000) == "partly_refunded"
    assert documents.status_of(2999, 2999) == "refunded"
