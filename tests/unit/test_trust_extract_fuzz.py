"""Whatever text it is given, reading a page raises nothing and points only inside the text."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from subdesk.trust.extract import read_page
from subdesk.trust.folding import fold
from subdesk.trust.links import find_links
from subdesk.trust.phones import find_numbers

REGIONS = ("US", "DE", "GB")
PIECES = st.sampled_from(
    [
        "1",
        "8",
        "0",
        "00",
        "+",
        " ",
        "-",
        ".",
        "(",
        ")",
        ":",
        "/",
        "@",
        "_",
        "O",
        "l",
        "a",
        "bc",
        "www.",
        "http://",
        "shield",
        "help",
        ".com",
        ".de",
        "call",
        "to cancel",
        "gift card",
        "<b>",
        "</b>",
        "&#56;",
        "\u200b",
        "\u00ad",
        "\ufb01",
        "\u00bd",
        "\u0661",
        "\U0001d7d6",
        "\u041e",
        "\u0130",
        "\n",
        "  ",
    ]  # fmt: skip
)
TEXTS = st.one_of(st.text(max_size=200), st.lists(PIECES, max_size=60).map("".join))
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(TEXTS)
def test_found_numbers_stand_inside_the_text(text: str) -> None:
    for number in find_numbers(text, fold(text), REGIONS):
        assert number.e164.startswith("+")
        for sighting in number.sightings:
            assert 0 <= sighting.offset <= len(text)
            assert text[sighting.offset :].startswith(sighting.as_found)


@FUZZ
@given(TEXTS)
def test_found_links_stand_inside_the_text(text: str) -> None:
    for link in find_links(text):
        assert text[link.offset :].startswith(link.as_found)
        assert link.count >= 1
        assert len(link.host.name) <= 253


@FUZZ
@given(TEXTS)
def test_folding_maps_every_offset_back_inside_the_text(text: str) -> None:
    folded = fold(text)
    for offset in range(len(folded.text) + 1):
        assert 0 <= folded.origin(offset) <= len(text)
        assert 0 <= folded.origin_end(offset) <= len(text)


@FUZZ
@given(TEXTS)
def test_reading_a_page_keeps_every_hit_inside_it(text: str) -> None:
    findings = read_page(text, REGIONS, ("shield",))
    hits = findings.calls_to_cancel + findings.payment_requests + findings.remote_access_requests
    for hit in hits:
        assert 0 <= hit.offset <= len(text)
