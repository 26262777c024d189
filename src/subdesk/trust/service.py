"""The trust check as a use case: read the input, look at the registry, apply the rules.

`check_text(work, page)` is what a web page calls; `check(work, kind, value)` serves the
API, which also takes one phone number, link or email address.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from subdesk.config import Settings
from subdesk.context import Work
from subdesk.errors import InvalidRequest, TooLarge
from subdesk.trust import registry
from subdesk.trust.advice import Guidance
from subdesk.trust.extract import Findings, read_email, read_page, read_phone, read_url
from subdesk.trust.phones import FoundNumber
from subdesk.trust.rules import Reason, Verdict, assess

MAX_PAGE_BYTES = 1_048_576  # 1 MiB of UTF-8
MAX_ITEM_CHARS = 2000


class Kind(StrEnum):
    TEXT = "text"
    PHONE = "phone"
    URL = "url"
    EMAIL = "email"


@dataclass(frozen=True, slots=True)
class CheckResult:
    """A verdict with its reasons (each with `explanation` and `advice`) and where to go."""

    kind: Kind
    verdict: Verdict
    score: int
    reasons: tuple[Reason, ...]
    unknown_numbers: tuple[FoundNumber, ...]  # numbers found that are not ours
    cancel_url: str
    channels_url: str


def guidance(settings: Settings) -> Guidance:
    base = settings.public_url.rstrip("/")
    return Guidance(
        cancel_url=base + settings.trust_cancel_path,
        channels_url=base + settings.trust_channels_path,
        brand_words=tuple(word.lower() for word in settings.trust_brand_words),
    )


def check_text(work: Work, text: str) -> CheckResult:
    """Check a page of text or HTML (at most 1 MB)."""
    return check(work, Kind.TEXT, text)


def check(work: Work, kind: Kind, value: str) -> CheckResult:
    """Check a page, a phone number, a link or an email address."""
    advice = guidance(work.settings)
    findings = _read(work, kind, value, advice.brand_words)
    known = registry.snapshot(work.session)
    assessment = assess(findings, known, advice)
    unknown = tuple(n for n in findings.numbers if n.e164 not in known.phones)
    return CheckResult(
        kind=kind,
        verdict=assessment.verdict,
        score=assessment.score,
        reasons=assessment.reasons,
        unknown_numbers=unknown,
        cancel_url=advice.cancel_url,
        channels_url=advice.channels_url,
    )


def _read(work: Work, kind: Kind, value: str, brand_words: tuple[str, ...]) -> Findings:
    if kind is Kind.TEXT:
        _check_size(value)
        return read_page(value, registry.regions(work), brand_words)
    if len(value) > MAX_ITEM_CHARS:
        raise InvalidRequest(f"At most {MAX_ITEM_CHARS} characters.", field=kind.value)
    if kind is Kind.PHONE:
        found = read_phone(value, registry.regions(work))
    else:
        found = read_url(value) if kind is Kind.URL else read_email(value)
    if found is None:
        raise InvalidRequest(
            f"We could not read a {_NAMES[kind]} in this.",
            code=f"invalid_{kind.value}",
            field=kind.value,
        )
    return found


_NAMES = {Kind.PHONE: "phone number", Kind.URL: "web address", Kind.EMAIL: "email address"}


def _check_size(text: str) -> None:
    too_long = len(text) > MAX_PAGE_BYTES or (
        len(text) * 4 > MAX_PAGE_BYTES
        and len(text.encode("utf-8", "surrogatepass")) > MAX_PAGE_BYTES
    )
    if too_long:
        raise TooLarge(
            "A page to check is at most 1 MB; send the part with the phone numbers.",
            field="text",
        )
    if not text.strip():
        raise InvalidRequest("There is nothing to check.", code="empty_text", field="text")
