"""The words scam pages use, in English and German: a number presented as official, pressure
to call to cancel, gift cards, wire transfers and remote-access tools; and the words that
show a page is warning about a number rather than offering it."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache

from subdesk.trust.folding import Folded
from subdesk.trust.phones import SNIPPETS, Sighting

_OFFICIAL = re.compile(
    r"official|toll[- ]?free|support|help ?line|hotline|help ?desk|customer (?:service|care)"
    r"|contact number|call (?:center|centre)|billing (?:department|team)|refund (?:department"
    r"|team)|phone number|offiziell|kostenlos|gebührenfrei|kunden(?:dienst|service)"
    r"|servicenummer|rufnummer"
)
_WARNING = re.compile(
    r"scam|fraud|fake|bogus|phishing|impersonat|not (?:ours|our number|affiliated)"
    r"|betrug|betrüg|gefälscht|fälschung|falsche"
)
_CANCELLING = re.compile(
    r"cancel|refund|auto[- ]?renew|renewal|unsubscrib|money back|kündig|erstattung"
    r"|verlängerung|widerruf"
)
_NEGATION = re.compile(
    r"\b(?:never|not|no need|no phone|don't|do not|doesn't|does not|without|nicht|nie"
    r"|niemals|kein\w*|ohne)\b|n't\b"
)
_CALL = r"(?:call|phone|dial|ring|contact|speak (?:to|with))"
_STOP = (
    r"(?:cancel\w*|refund\w*|auto[- ]?renew\w*|stop\w* (?:the |your )?(?:(?:auto[- ]?)?renewal"
    r"|subscription|charges?)|unsubscrib\w*|money back|turn off (?:the )?auto[- ]?renew\w*)"
)
_DE_CALL = r"(?:rufen sie|anrufen|anruf|telefonisch|wählen sie|hotline)"
_DE_STOP = r"(?:kündig\w*|rückerstattung|erstattung|verlängerung|widerruf\w*|abo beenden)"
_SENTENCE = r"[^.!?\n]{0,80}?"


@dataclass(frozen=True, slots=True)
class _Phrase:
    """A pattern tried only where one of its trigger words stands (a fast literal search)."""

    triggers: tuple[str, ...]
    pattern: re.Pattern[str]
    word_start: bool = True  # the trigger begins a word


_CALL_TO_CANCEL = (
    _Phrase(
        ("call", "phone", "dial", "ring", "contact", "speak"),
        re.compile(rf"{_CALL}\w*\b{_SENTENCE}\b{_STOP}"),
    ),
    _Phrase(
        (
            "to cancel",
            "to get",
            "to request",
            "to claim",
            "to stop",
            "to turn off",
            "to unsubscrib",
            "for a refund",
            "for your refund",
            "for refund",
        ),
        re.compile(
            rf"(?:to|for) (?:get |request |claim )?(?:a |your )?{_STOP}{_SENTENCE}\b{_CALL}\b"
        ),
    ),
    _Phrase(
        ("rufen sie", "anruf", "telefonisch", "wählen sie", "hotline"),
        re.compile(rf"{_DE_CALL}{_SENTENCE}{_DE_STOP}"),
    ),
    _Phrase(
        ("kündig", "erstattung", "verlängerung", "widerruf", "abo beenden"),
        re.compile(rf"{_DE_STOP}{_SENTENCE}\b{_DE_CALL}"),
        word_start=False,
    ),
)
_PAYMENT = (
    _Phrase(
        (
            "gift",
            "itunes",
            "google play",
            "steam",
            "amazon",
            "apple",
            "prepaid",
            "geschenk",
            "gutschein",
            "paysafecard",
            "wire transfer",
            "western union",
            "moneygram",
            "bitcoin",
            "crypto",
            "zelle",
        ),
        re.compile(
            r"(?:gift|itunes|google play|steam|amazon|apple|prepaid|geschenk|gutschein)[- ]?"
            r"(?:card|karte)|paysafecard|wire transfer|western union|moneygram|bitcoin"
            r"|crypto ?currency|zelle\b"
        ),
    ),
)
_REMOTE = (
    _Phrase(
        (
            "anydesk",
            "teamviewer",
            "ultraviewer",
            "ammyy",
            "supremo",
            "logmein",
            "screenconnect",
            "zoho assist",
            "quick",
            "remote",
            "fernzugriff",
            "fernwartung",
        ),
        re.compile(
            r"anydesk|teamviewer|ultraviewer|ammyy|supremo|logmein|screenconnect|zoho assist"
            r"|quick ?support|remote (?:access|desktop|control|session)|fernzugriff|fernwartung"
        ),
    ),
)
_REQUEST = re.compile(
    r"\b(?:pay|buy|purchase|send|provide|read|scratch|give|install|download|allow|let|grant"
    r"|connect|open|kaufen|bezahlen|zahlen|senden|geben|installieren|herunterladen|erlauben"
    r"|verbinden|öffnen)",
)
_SENTENCE_STOP = re.compile(r"[.!?\n]")
SNIPPET = 60
NEAR = 80  # how far from a number its words count
WINDOW = 200  # the longest a phrase can be (the patterns reach about 140 characters)


@dataclass(frozen=True, slots=True)
class Hit:
    """A phrase found in the page."""

    as_found: str
    offset: int  # in the page as given
    snippet: str  # the words around it, for a page's first SNIPPETS hits (the ones shown)


def presents_as_official(sighting: Sighting) -> bool:
    """The words around the number call it official, toll-free or support."""
    return _near(_OFFICIAL, sighting.before[-NEAR:], sighting.after)


def warns_about(sighting: Sighting) -> bool:
    """The words just around the number warn against it (a news story, a scam alert)."""
    return _near(_WARNING, sighting.before[-NEAR:], sighting.after[:60])


def beside_cancelling(sighting: Sighting) -> bool:
    """The number stands among words about cancelling, refunds or auto-renewal."""
    return _near(_CANCELLING, sighting.before[-NEAR:], sighting.after[:NEAR])


@lru_cache(maxsize=16384)
def _near(pattern: re.Pattern[str], before: str, after: str) -> bool:
    # A page repeats its sentences, so the same windows come back again and again.
    return bool(pattern.search(before) or pattern.search(after))


def calls_to_cancel(folded: Folded) -> list[Hit]:
    """Sentences urging a call to cancel, get a refund or stop auto-renewal (not denying it)."""
    return _hits(folded, _CALL_TO_CANCEL, _affirmed)


def payment_requests(folded: Folded) -> list[Hit]:
    """Requests to pay by gift card, wire transfer or cryptocurrency."""
    return _hits(folded, _PAYMENT, _requested)


def remote_access_requests(folded: Folded) -> list[Hit]:
    """Requests to install or allow a remote-access tool."""
    return _hits(folded, _REMOTE, _requested)


def _hits(
    folded: Folded, phrases: tuple[_Phrase, ...], keep: Callable[[str, str, str], bool]
) -> list[Hit]:
    lower = folded.lower
    spans = sorted({span for phrase in phrases for span in _matches(folded, phrase)})
    found: list[Hit] = []
    reached = -1
    for start, end in spans:
        if start < reached:
            continue  # one sentence is one hit
        before, after = lower[max(0, start - NEAR) : start], lower[end : end + NEAR]
        if _kept(keep, before, lower[start:end], after):
            words = folded.text[max(0, start - SNIPPET) : end + SNIPPET]
            snippet = " ".join(words.split()) if len(found) < SNIPPETS else ""
            found.append(Hit(folded.text[start:end], folded.origin(start), snippet))
            reached = end
    return found


def _matches(folded: Folded, phrase: _Phrase) -> Iterator[tuple[int, int]]:
    lower = folded.lower
    for trigger in phrase.triggers:
        start = lower.find(trigger)
        while start != -1:
            if not (phrase.word_start and start and lower[start - 1].isalpha()):
                length = _match_length(phrase.pattern, lower[start : start + WINDOW])
                if length:
                    yield start, start + length
            start = lower.find(trigger, start + 1)


@lru_cache(maxsize=65536)
def _match_length(pattern: re.Pattern[str], window: str) -> int:
    # Pages repeat their sentences, so the same windows come back again and again.
    match = pattern.match(window)
    return match.end() if match else 0


@lru_cache(maxsize=256)
def _literal(word: str) -> re.Pattern[str]:
    return re.compile(re.escape(word))


@lru_cache(maxsize=16384)
@lru_cache(maxsize=16384)
def _kept(keep: Callable[[str, str, str], bool], before: str, match: str, after: str) -> bool:
    """`keep` asked about a match and the rest of its sentence on either side (`before` and
    `after`: the NEAR characters around it). Pages repeat their sentences, so the same
    windows come back again and again: each is read once."""
    last_stop = _SENTENCE_STOP.search(before[::-1])
    first_stop = _SENTENCE_STOP.search(after)
    return keep(
        match,
        before[len(before) - last_stop.start() :] if last_stop else before,
        after[: first_stop.start()] if first_stop else after,
    )


@lru_cache(maxsize=16384)
def _affirmed(match: str, before: str, _after: str) -> bool:
    """Not denied: no "never", "not", "no need", "nicht", "kein" just before or inside."""
    return not _NEGATION.search(before[-50:] + " " + match)


@lru_cache(maxsize=16384)
def _requested(match: str, before: str, after: str) -> bool:
    """Asked for: the sentence has a verb of paying or installing, and does not deny it."""
    return bool(_REQUEST.search(f"{before}{match}{after}")) and _affirmed(match, before, after)


def mentions_brand(folded: Folded, brand_words: tuple[str, ...]) -> bool:
    """The page names the vendor's brand (as a word or a word's start: Shield, ShieldVPN)."""
    lower = folded.lower
    for word in brand_words:
        for place in _literal(word.lower()).finditer(lower):
            if _word_starts_at(lower, place.start()):
                return True
    return False


def _word_starts_at(lower: str, start: int) -> bool:
    """A word starts at `start`, or just before it with my, get, the or go (myshield)."""
    for prefix in ("", "my", "get", "the", "go"):
        begin = start - len(prefix)
        at_word_start = begin == 0 or (begin > 0 and not lower[begin - 1].isalpha())
        if at_word_start and lower[begin:start] == prefix:
            return True
    return False
