"""The rules of a cancellation declared online without signing in (§ 312k BGB)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from subdesk.compliance.termination import Kind, covers, outcome

END = datetime(2026, 6, 1, tzinfo=UTC)
SID = "3f2a9c1e-0000-4000-8000-000000000001"


def test_an_empty_contract_field_covers_every_contract() -> None:
    assert covers(None, SID, "av1-year-eur", "Shield Antivirus")
    assert covers("  ", SID, "av1-year-eur", "Shield Antivirus")


def test_a_contract_is_named_by_its_number_code_or_name() -> None:
    assert covers("3F2A9C1E", SID, "av1-year-eur", "Shield Antivirus")
    assert covers("av1-year-eur", SID, "av1-year-eur", "Shield Antivirus")
    assert covers("antivirus", SID, "av1-year-eur", "Shield Antivirus")
    assert not covers("total", SID, "av1-year-eur", "Shield Antivirus")


def test_a_short_number_prefix_is_not_enough_to_name_a_contract() -> None:
    assert not covers("3f2a", SID, "av1-year-eur", "Shield Antivirus")


def test_an_ordinary_notice_ends_at_the_end_of_the_paid_term_without_review() -> None:
    result = outcome(Kind.ORDINARY, None, END)
    assert result.ends_at == END
    assert not result.review


def test_an_ordinary_notice_for_an_earlier_date_still_ends_at_the_next_possible_date() -> None:
    assert outcome(Kind.ORDINARY, END - timedelta(days=30), END).ends_at == END


def test_a_wish_to_end_later_than_the_term_goes_to_a_person() -> None:
    assert outcome(Kind.ORDINARY, END + timedelta(days=30), END).review


def test_an_extraordinary_notice_goes_to_a_person() -> None:
    result = outcome(Kind.EXTRAORDINARY, None, END)
    assert result.review
    assert result.ends_at == END
