"""Phone numbers are found however they are disguised, normalised to E.164 and counted."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from subdesk.trust.folding import fold
from subdesk.trust.phones import Disguise, FoundNumber, find_numbers, parse_one

REGIONS = ("US", "DE", "GB")
SCAM = "+18885550143"


def numbers(text: str) -> list[FoundNumber]:
    return find_numbers(text, fold(text), REGIONS)


def only(text: str) -> FoundNumber:
    found = numbers(text)
    assert len(found) == 1, found
    return found[0]


@pytest.mark.parametrize(
    ("written", "disguise"),
    [
        ("1-{888}{555}{0143}", Disguise.SEPARATORS),
        ("1 - ( 8 8 8 ) - 5 5 5 - 0 1 4 3", Disguise.SPACED),
        ("1⚚888⚚555⚚0143", Disguise.SEPARATORS),
        ("1-888-555-O143", Disguise.LETTERS),
        ("1-888-555-0l43", Disguise.LETTERS),
        ("𝟏-𝟖𝟖𝟖-𝟓𝟓𝟓-𝟎𝟏𝟒𝟑", Disguise.LOOKALIKE),  # mathematical bold digits
        ("１-８８８-５５５-０１４３", Disguise.LOOKALIKE),  # fullwidth digits
        ("١-٨٨٨-٥٥٥-٠١٤٣", Disguise.OTHER_SCRIPT),  # Arabic-Indic digits
        ("१ ८८८ ५५५ ०१४३", Disguise.OTHER_SCRIPT),  # Devanagari digits
        ("888\u200b555\u200b0143", Disguise.HIDDEN),  # zero-width spaces
        ("<b>888</b>-555-<i>0143</i>", Disguise.MARKUP),
        ("1-888-555-&#48;143", Disguise.MARKUP),
        ("1-888-555-\u041e143", Disguise.LETTERS),  # Cyrillic O for zero
    ],
)
def test_a_disguised_number_is_found_normalised_and_named_for_its_disguise(
    written: str, disguise: str
) -> None:
    found = only(f"Call our toll-free line {written} to cancel your plan.")
    assert found.e164 == SCAM
    assert disguise in found.disguises
    assert found.toll_free
    assert found.country == "US"


@pytest.mark.parametrize(
    "written",
    ["1-888-555-0143", "(888) 555-0143", "+1 888 555 0143", "888.555.0143", "1 888 555 0143"],
)
def test_a_plainly_written_number_has_no_disguise(written: str) -> None:
    found = only(f"Call {written} today.")
    assert found.e164 == SCAM
    assert found.disguises == ()


def test_the_same_number_in_many_formats_is_counted_as_one() -> None:
    page = "1-888-555-0143, then (888) 555-0143, then 1⚚888⚚555⚚0143 and 1-8885550l43."
    found = only(page)
    assert found.count == 4
    assert [s.as_found for s in found.sightings] == [
        "1-888-555-0143",
        "888) 555-0143",
        "1⚚888⚚555⚚0143",
        "1-8885550l43",
    ]


def test_letter_o_for_zero_inside_a_number() -> None:
    assert only("Dial 1-8OO-555-O199 now").e164 == "+18005550199"


def test_sightings_say_where_the_number_stands_in_the_page_as_given() -> None:
    page = "Ｈｅｌｌｏ 𝟏-𝟖𝟖𝟖 then <b>x</b> 1-888-555-0143 end"
    found = only(page)
    sighting = found.sightings[0]
    assert page[sighting.offset : sighting.offset + len(sighting.as_found)] == "1-888-555-0143"
    assert "then x 1-888-555-0143 end" in sighting.snippet


def test_a_tel_link_counts_as_a_plain_sighting() -> None:
    found = only('<a href="tel:+18885550143">Call us</a>')
    assert found.e164 == SCAM
    assert found.disguises == ()


def test_german_numbers_are_read_with_their_trunk_prefix_or_country_code() -> None:
    found = only("Hotline 0800 555 0199 oder +49 800 5550199, kostenlos.")
    assert found.e164 == "+498005550199"
    assert found.country == "DE"
    assert found.toll_free
    assert found.count == 2


def test_two_numbers_side_by_side_are_split() -> None:
    found = numbers("Call 1-888-555-0143, 1-800-555-0199 or 212-555-0100.")
    assert [n.e164 for n in found] == [SCAM, "+18005550199", "+12125550100"]
    assert [n.toll_free for n in found] == [True, True, False]


@pytest.mark.parametrize(
    "text",
    [
        "In 2024-2026, 15 people joined; 3 of 5 agreed.",
        "Meeting on 2025-12-01 13:45 in room 101.",
        "Prices from $29.99 to $149.99, order 12345.",
        "Hello1 world lol 10lbs and version 3.11.7",
        "ISBN 978-3-16-148410-0",
    ],
)
def test_dates_counts_and_prices_are_not_numbers(text: str) -> None:
    assert numbers(text) == []


def test_one_typed_number_is_parsed() -> None:
    parsed = parse_one(" 1 (888) 555-O143 ", REGIONS)
    assert parsed is not None
    assert parsed.e164 == SCAM


def test_text_without_a_number_parses_to_nothing() -> None:
    assert parse_one("call me maybe", REGIONS) is None


@given(st.sampled_from(["-", " ", ".", "⚚", "}{", " - ", "*", "/"]))
def test_any_separator_between_the_groups_gives_the_same_number(separator: str) -> None:
    written = separator.join(["1", "888", "555", "0143"])
    assert only(f"Call {written} now").e164 == SCAM


@given(st.text(max_size=200))
def test_any_text_is_read_without_error_and_every_number_is_e164(text: str) -> None:
    for found in numbers(text):
        assert found.e164.startswith("+")
        assert found.e164[1:].isdigit()
        for sighting in found.sightings:
            assert 0 <= sighting.offset <= len(text)
