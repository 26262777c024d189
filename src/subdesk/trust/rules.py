"""The trust check's rules: from findings and the registry to a verdict, a score and reasons.

Each rule adds a reason with a weight; the score is their sum (at most 100):

    known_scam_number         100   a number the trust team marked as a scam
    lookalike_link / _email    60   our name with support words or on free hosting (40: name)
    posing_as_official         40   a number not ours called official, toll-free or support
    unusual_payment            40   gift cards, wire transfers, cryptocurrency asked for
    remote_access              40   AnyDesk, TeamViewer and the like asked for
    disguised_number           35   O for 0, other scripts, math digits, odd separators, ...
    repeated_number         25/35   the same number 3 (6) times or more, across formats
    urges_call_to_cancel       30   "call to cancel / for a refund / to stop auto-renewal"
    support_on_free_hosting    30   support words on a free hosting site
    number_beside_cancelling   25   a number slipped in beside "cancel", "refund", ...
    unknown_number / _domain   10   simply not ours (0 when the page warns against it)

60 or more is `likely_scam`. A page's words (a number presented as ours, urging a call,
payment, remote access) count only when the page names the vendor and offers a way to
reach someone who is not the vendor; words that warn against a number ("scam", "fake")
take it out of the page's offer. `official` means official channels and nothing else.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum

from subdesk.trust.advice import Guidance, describe_disguises, words_for
from subdesk.trust.extract import Findings
from subdesk.trust.links import FREE_MAIL, FoundLink, brand_in, brand_in_text, is_under, support_in
from subdesk.trust.phones import SNIPPETS, FoundNumber, Sighting
from subdesk.trust.phrases import Hit, beside_cancelling, presents_as_official, warns_about

SCAM_SCORE = 60
MAX_PLACES = SNIPPETS
OFFERING = frozenset(
    {
        "known_scam_number",
        "posing_as_official",
        "unknown_number",
        "lookalike_link",
        "lookalike_email",
        "support_on_free_hosting",
    }
)


class Verdict(StrEnum):
    OFFICIAL = "official"
    NOT_OFFICIAL = "not_official"
    LIKELY_SCAM = "likely_scam"


@dataclass(frozen=True, slots=True)
class Registry:
    """The official channels and the numbers known to be scams, as the rules see them."""

    phones: Mapping[str, str]  # E.164 -> what it is for and when it answers
    web_domains: frozenset[str]
    email_domains: frozenset[str]
    scam_numbers: frozenset[str]


@dataclass(frozen=True, slots=True)
class Place:
    """Where something was found: offset in the page, the words around it, how it was written."""

    offset: int
    snippet: str
    as_found: str
    disguises: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Evidence:
    kind: str  # phone | link | email | phrase
    as_found: str
    normalised: str  # E.164, the host name, or the phrase
    count: int
    places: tuple[Place, ...]
    disguises: tuple[str, ...] = ()
    country: str | None = None
    toll_free: bool | None = None


@dataclass(frozen=True, slots=True)
class Reason:
    code: str
    weight: int
    explanation: str
    advice: str
    evidence: tuple[Evidence, ...]


@dataclass(frozen=True, slots=True)
class Assessment:
    verdict: Verdict
    score: int
    reasons: tuple[Reason, ...]


def assess(findings: Findings, registry: Registry, guidance: Guidance) -> Assessment:
    """The verdict on what was checked, with every reason and its evidence."""
    reasons = [
        *_number_reasons(findings, registry, guidance),
        *_link_reasons(findings, registry, guidance),
    ]
    if findings.names_brand and any(r.code in OFFERING and r.weight for r in reasons):
        reasons.extend(_page_reasons(findings, guidance))
    score = min(100, sum(reason.weight for reason in reasons))
    ordered = tuple(sorted(reasons, key=lambda reason: -reason.weight))
    return Assessment(_verdict(ordered, score), score, ordered)


def _verdict(reasons: tuple[Reason, ...], score: int) -> Verdict:
    if score >= SCAM_SCORE or any(r.code == "known_scam_number" for r in reasons):
        return Verdict.LIKELY_SCAM
    if score == 0 and any(r.code.startswith("official_") for r in reasons):
        return Verdict.OFFICIAL
    return Verdict.NOT_OFFICIAL


def _reason(
    code: str, weight: int, guidance: Guidance, evidence: Evidence, **facts: object
) -> Reason:
    explanation, advice = words_for(code, guidance, subject=evidence.normalised, **facts)
    return Reason(code, weight, explanation, advice, (evidence,))


def _number_reasons(findings: Findings, registry: Registry, guidance: Guidance) -> Iterator[Reason]:
    for number in findings.numbers:
        evidence = _number_evidence(number)
        if number.e164 in registry.phones and number.e164 not in registry.scam_numbers:
            detail = registry.phones[number.e164]
            yield _reason("official_number", 0, guidance, evidence, detail=_detail(detail))
        else:
            yield from _unknown_number(number, evidence, findings, registry, guidance)


def _detail(detail: str) -> str:
    return f" ({detail})" if detail else ""


def _unknown_number(
    number: FoundNumber,
    evidence: Evidence,
    findings: Findings,
    registry: Registry,
    guidance: Guidance,
) -> Iterator[Reason]:
    if number.e164 in registry.scam_numbers:
        yield _reason("known_scam_number", 100, guidance, evidence)
    offered = [s for s in number.sightings if not warns_about(s)]
    ours_claimed = findings.names_brand and bool(offered)
    if ours_claimed and any(presents_as_official(s) for s in offered):
        yield _reason("posing_as_official", 40, guidance, evidence)
    else:
        yield _reason("unknown_number", 10 if offered else 0, guidance, evidence)
    if len(offered) >= 3:
        weight = 35 if len(offered) >= 6 else 25
        yield _reason("repeated_number", weight, guidance, evidence, count=len(offered))
    if number.disguises:
        how = describe_disguises(number.disguises)
        yield _reason("disguised_number", 35, guidance, evidence, how=how)
    if ours_claimed and any(beside_cancelling(s) for s in offered):
        yield _reason("number_beside_cancelling", 25, guidance, evidence)


def _number_evidence(number: FoundNumber) -> Evidence:
    places = tuple(_place(s) for s in number.sightings[:MAX_PLACES])
    return Evidence(
        kind="phone",
        as_found=number.sightings[0].as_found,
        normalised=number.e164,
        count=number.count,
        places=places,
        disguises=number.disguises,
        country=number.country,
        toll_free=number.toll_free,
    )


def _place(sighting: Sighting) -> Place:
    return Place(sighting.offset, sighting.snippet, sighting.as_found, sighting.disguises)


def _link_reasons(findings: Findings, registry: Registry, guidance: Guidance) -> Iterator[Reason]:
    for link in findings.links:
        evidence = Evidence(
            kind=link.kind,
            as_found=link.as_found,
            normalised=f"{link.local_part}@{link.host.name}" if link.local_part else link.host.name,
            count=link.count,
            places=(Place(link.offset, link.as_found, link.as_found),),
        )
        found = _email_reason if link.kind == "email" else _web_reason
        code, weight = found(link, registry, guidance.brand_words, findings.single)
        if code:
            yield _reason(code, weight, guidance, evidence)


def _web_reason(
    link: FoundLink, registry: Registry, brand_words: tuple[str, ...], single: bool
) -> tuple[str, int]:
    host = link.host
    if is_under(host.name, registry.web_domains):
        return "official_link", 0
    brand = brand_in(host, brand_words)
    if brand and (support_in(host.labels) or host.free_hosting):
        return "lookalike_link", 60
    if brand:
        return "lookalike_link", 40
    if host.free_hosting and support_in(host.labels):
        return "support_on_free_hosting", 30
    return ("unknown_domain", 10) if single else ("", 0)


def _email_reason(
    link: FoundLink, registry: Registry, brand_words: tuple[str, ...], single: bool
) -> tuple[str, int]:
    host = link.host
    if is_under(host.name, registry.email_domains):
        return "official_email", 0
    if is_under(host.name, registry.web_domains):
        return ("unknown_email_domain", 10) if single else ("", 0)
    in_local = brand_in_text(link.local_part, brand_words)
    if brand_in(host, brand_words) or (in_local and host.name in FREE_MAIL):
        return "lookalike_email", 60
    if in_local:
        return "lookalike_email", 40
    return ("unknown_email_domain", 10) if single else ("", 0)


def _page_reasons(findings: Findings, guidance: Guidance) -> Iterator[Reason]:
    for code, weight, hits in (
        ("urges_call_to_cancel", 30, findings.calls_to_cancel),
        ("unusual_payment", 40, findings.payment_requests),
        ("remote_access", 40, findings.remote_access_requests),
    ):
        if hits:
            yield _reason(code, weight, guidance, _phrase_evidence(hits))


def _phrase_evidence(hits: tuple[Hit, ...]) -> Evidence:
    places = tuple(Place(h.offset, h.snippet, h.as_found) for h in hits[:MAX_PLACES])
    return Evidence("phrase", hits[0].as_found, hits[0].as_found.lower(), len(hits), places)
