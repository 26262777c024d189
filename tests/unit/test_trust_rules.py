"""Each trust rule gives its reason with evidence, and the reasons add up to the verdict."""

from __future__ import annotations

import pytest

from subdesk.trust.advice import Guidance
from subdesk.trust.extract import read_email, read_page, read_phone, read_url
from subdesk.trust.rules import Assessment, Registry, Verdict, assess

REGIONS = ("US", "DE", "GB")
OFFICIAL = "+18005550199"
SCAM = "+18885550143"
REGISTRY = Registry(
    phones={OFFICIAL: "customer support, Mon-Fri 8:00-20:00 ET", "+498005550199": "Kundendienst"},
    web_domains=frozenset({"shield.example"}),
    email_domains=frozenset({"mail.shield.example"}),
    scam_numbers=frozenset(),
)
GUIDANCE = Guidance("https://shield.example/account", "https://shield.example/contact", ("shield",))
HELP_PAGE = (
    "<h1>Cancelling Shield Antivirus</h1><p>Cancel online in two clicks under My account. "
    "You never need to call us to cancel.</p><p>Questions? Our official toll-free support "
    "line is 1-800-555-0199 (Mon-Fri).</p>"
)


def check(page: str, registry: Registry = REGISTRY) -> Assessment:
    return assess(read_page(page, REGIONS, GUIDANCE.brand_words), registry, GUIDANCE)


def codes(assessment: Assessment) -> set[str]:
    return {reason.code for reason in assessment.reasons}


def reason(assessment: Assessment, code: str) -> tuple[str, list[str]]:
    found = next(r for r in assessment.reasons if r.code == code)
    return found.explanation, [e.normalised for e in found.evidence]


def test_an_official_number_alone_on_a_help_page_is_official() -> None:
    result = check(HELP_PAGE)
    assert result.verdict is Verdict.OFFICIAL
    assert result.score == 0
    assert codes(result) == {"official_number"}


def test_an_extra_unknown_toll_free_number_repeated_makes_the_help_page_likely_scam() -> None:
    extra = "<p>Shield toll-free helpline: 1-888-555-0143.</p>" * 3
    result = check(HELP_PAGE + extra)
    assert result.verdict is Verdict.LIKELY_SCAM
    explanation, evidence = reason(result, "posing_as_official")
    assert SCAM in explanation
    assert evidence == [SCAM]
    assert "repeated_number" in codes(result)


def test_each_reason_explains_itself_and_says_what_to_do_instead() -> None:
    result = check(HELP_PAGE + "Call the Shield support number 1-8OO-555-O143 to cancel." * 3)
    for found in result.reasons:
        assert found.explanation
        assert found.advice
    advice = next(r.advice for r in result.reasons if r.code == "posing_as_official")
    assert GUIDANCE.cancel_url in advice
    assert GUIDANCE.channels_url in advice


def test_the_evidence_shows_the_number_as_found_where_how_often_and_how_disguised() -> None:
    page = "Shield support: 1⚚888⚚555⚚0143. Again 1-888-555-0143."
    result = check(page)
    found = next(r for r in result.reasons if r.code == "disguised_number").evidence[0]
    assert found.normalised == SCAM
    assert found.count == 2
    assert found.toll_free is True
    assert found.country == "US"
    assert found.places[0].as_found == "1⚚888⚚555⚚0143"
    assert found.places[0].offset == page.index("1⚚888")
    assert found.disguises == ("unusual_separators",)


def test_a_number_not_ours_without_the_brand_is_only_unknown() -> None:
    result = check("Joe's Plumbing customer service: 212-555-0100. Open daily.")
    assert result.verdict is Verdict.NOT_OFFICIAL
    assert codes(result) == {"unknown_number"}
    assert result.score == 10


def test_a_number_repeated_three_times_is_flagged_six_times_more_so() -> None:
    three = check("Shield news. Call 212-555-0100. " * 3)
    six = check("Shield news. Call 212-555-0100. " * 6)
    assert next(r.weight for r in three.reasons if r.code == "repeated_number") == 25
    assert next(r.weight for r in six.reasons if r.code == "repeated_number") == 35


def test_a_number_placed_beside_cancelling_words_is_flagged_on_a_page_naming_the_brand() -> None:
    page = "To stop your Shield auto-renewal 212-555-0100 simply follow these steps."
    assert "number_beside_cancelling" in codes(check(page))
    assert "number_beside_cancelling" not in codes(check(page.replace("Shield", "Acme")))


@pytest.mark.parametrize(
    "sentence",
    [
        "Call 212-555-0100 now to cancel your Shield subscription.",
        "To get a refund for Shield, call 212-555-0100.",
        "Dial 212-555-0100 to stop the auto-renewal of Shield.",
        "Rufen Sie uns an, um Ihr Shield-Abo zu kündigen: 030 5550199.",
        "Für die Rückerstattung von Shield rufen Sie 030 5550199 an.",
    ],
)
def test_urging_a_call_to_cancel_is_flagged_in_english_and_german(sentence: str) -> None:
    assert "urges_call_to_cancel" in codes(check(sentence))


@pytest.mark.parametrize(
    "sentence",
    [
        "You never need to call us to cancel Shield; 212-555-0100 is our shop.",
        "Sie müssen nicht anrufen, um Shield zu kündigen. Laden: 030 5550199.",
    ],
)
def test_saying_no_call_is_needed_is_not_urging_one(sentence: str) -> None:
    assert "urges_call_to_cancel" not in codes(check(sentence))


@pytest.mark.parametrize(
    ("sentence", "code"),
    [
        (
            "To get your Shield refund, buy Google Play gift cards and call 212-555-0100.",
            "unusual_payment",
        ),
        (
            "Send the Shield refund fee by Western Union; questions: 212-555-0100.",
            "unusual_payment",
        ),
        ("Install AnyDesk so a Shield technician can help: 212-555-0100.", "remote_access"),
        ("Bitte installieren Sie TeamViewer für Shield, Hotline 030 5550199.", "remote_access"),
    ],
)
def test_gift_cards_wire_transfers_and_remote_access_are_flagged(sentence: str, code: str) -> None:
    assert code in codes(check(sentence))


def test_page_words_count_only_when_the_page_offers_a_number_not_ours() -> None:
    page = "Shield never asks you to install AnyDesk or pay by gift card. Call 1-800-555-0199."
    result = check(page)
    assert result.verdict is Verdict.OFFICIAL
    assert "remote_access" not in codes(result)


def test_a_number_the_page_warns_against_is_not_offered() -> None:
    page = (
        "News: scammers posing as Shield support used the fake number 1-888-555-0143. "
        "The fraud number 1-888-555-0143 asked victims to buy gift cards to cancel. "
        "Scam line 1-888-555-0143 is now blocked."
    )
    result = check(page)
    assert result.verdict is Verdict.NOT_OFFICIAL
    assert result.score == 0


def test_a_known_scam_number_is_always_likely_scam() -> None:
    registry = Registry(REGISTRY.phones, frozenset(), frozenset(), frozenset({"+12125550100"}))
    result = check("Our bakery: 212-555-0100", registry)
    assert result.verdict is Verdict.LIKELY_SCAM
    assert "known_scam_number" in codes(result)


@pytest.mark.parametrize(
    ("page", "code", "weight"),
    [
        ("Cancel at https://shield-help.blogspot.com/cancel", "lookalike_link", 60),
        ("Cancel at www.shield-support-center.com", "lookalike_link", 60),
        ("See myshield.app for more", "lookalike_link", 40),
        ("Help at https://antivirus-helpdesk.netlify.app", "support_on_free_hosting", 30),
        ("Write to shield.billing@gmail.com", "lookalike_email", 60),
        ("Write to refunds@shield-renewals.net", "lookalike_email", 60),
    ],
)
def test_links_and_addresses_using_the_brand_or_free_hosting_are_flagged(
    page: str, code: str, weight: int
) -> None:
    found = next(r for r in check(page).reasons if r.code == code)
    assert found.weight == weight


def test_our_own_links_and_addresses_are_official() -> None:
    page = (
        "Manage it at https://shield.example/account or help.shield.example; "
        "we write from a@mail.shield.example"
    )
    result = check(page)
    assert result.verdict is Verdict.OFFICIAL
    assert codes(result) == {"official_link", "official_email"}


def test_unrelated_links_are_not_reasons() -> None:
    assert check("Read https://www.bbc.co.uk/news and example.org").reasons == ()


def test_a_single_number_is_official_unknown_or_a_known_scam() -> None:
    registry = Registry(REGISTRY.phones, frozenset(), frozenset(), frozenset({SCAM}))
    verdicts = []
    for typed in ("1 (800) 555-0199", "212 555 0100", "1-888-555-0143"):
        findings = read_phone(typed, REGIONS)
        assert findings is not None
        verdicts.append(assess(findings, registry, GUIDANCE).verdict)
    assert verdicts == [Verdict.OFFICIAL, Verdict.NOT_OFFICIAL, Verdict.LIKELY_SCAM]


def test_a_single_link_or_address_is_official_or_not() -> None:
    ours, theirs = read_url("https://help.shield.example/x"), read_url("https://example.org")
    mail = read_email("support@shield-help.com")
    assert ours is not None
    assert theirs is not None
    assert mail is not None
    assert assess(ours, REGISTRY, GUIDANCE).verdict is Verdict.OFFICIAL
    assert assess(theirs, REGISTRY, GUIDANCE).verdict is Verdict.NOT_OFFICIAL
    assert assess(mail, REGISTRY, GUIDANCE).verdict is Verdict.LIKELY_SCAM


def test_what_is_not_a_number_link_or_address_reads_as_nothing() -> None:
    assert read_phone("hello", REGIONS) is None
    assert read_url("not a link") is None
    assert read_email("nobody") is None
