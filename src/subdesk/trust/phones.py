"""Finds phone numbers however they are written, normalised to E.164 and counted across formats.

A number is a run of digit groups. Between groups may stand any punctuation, symbol
or space (`1-{833}{555}{0143}`, `1 - ( 8 8 8 ) ...`, `1⚚888⚚…`); inside a group the
letters O/o and I/l stand for 0 and 1 (`1-8OO-...`). A run may hold several numbers
side by side, so it is split into the longest spans `phonenumbers` accepts as valid.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

import phonenumbers

from subdesk.trust.folding import Folded, fold

_SWAPS = str.maketrans({"O": "0", "o": "0", "I": "1", "l": "1"})
# A group holds at least one real digit; swapped letters never start a word or end one.
_GROUP = r"(?:(?<![A-Za-z])[OolI]+)?[0-9](?:[0-9OolI]*(?:[0-9]|[OolI](?![A-Za-z])))?"
# Up to six separators; a stretch of white space (or of blanked markup) counts as one.
_SEPARATOR = r"(?:\s++|[^\w\s]|_){1,6}"
# A run starts with a real digit, so the search skips ahead to digits quickly.
_RUN = re.compile(rf"[0-9](?:[0-9OolI]*(?:[0-9]|[OolI](?![A-Za-z])))?(?:{_SEPARATOR}{_GROUP})*")
_GROUP_ONLY = re.compile(_GROUP)
_PLAIN_SEPARATORS = frozenset(" -.()/+\t\n\r\u2010\u2011\u2012\u2013\u2014\u2212")
_OUTER_TAGS = re.compile(r"^<[^>]*>|<[^>]*>$")
MAX_GROUPS = 12  # a span of more groups than this is not one number
SNIPPET = 45
SNIPPETS = 10  # sightings of one number shown with the words around them
CONTEXT = 80


class Disguise:
    """How a number was written to slip past simple searches."""

    LETTERS = "letters_for_digits"  # 8OO, l-888
    OTHER_SCRIPT = "digits_of_another_script"  # ١٨٨٨, १८८८
    LOOKALIKE = "lookalike_characters"  # 𝟴𝟴𝟴, ８８８, ①
    SEPARATORS = "unusual_separators"  # {888}{555}, 888⚚555, 888*555
    SPACED = "digits_spaced_apart"  # 8 8 8 5 5 5
    HIDDEN = "hidden_characters"  # zero-width spaces, soft hyphens
    MARKUP = "split_by_markup"  # <b>888</b>-555, &#56;88


class Sighting(NamedTuple):
    """One place a number stands in the page (a named tuple: pages hold thousands)."""

    as_found: str  # exactly as written in the page
    offset: int  # where, in characters from the start of the page
    snippet: str  # the words around it, folded (for a number's first SNIPPETS sightings)
    before: str  # the text just before it, folded to lower case, for the rules
    after: str  # and just after it
    disguises: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class FoundNumber:
    """One phone number and every place it was seen, whatever the format."""

    e164: str
    country: str | None
    toll_free: bool
    sightings: tuple[Sighting, ...]

    @property
    def count(self) -> int:
        return len(self.sightings)

    @property
    def disguises(self) -> tuple[str, ...]:
        return tuple(sorted({d for s in self.sightings for d in s.disguises}))


@dataclass(frozen=True, slots=True)
class Parsed:
    e164: str
    country: str | None
    toll_free: bool


@dataclass(frozen=True, slots=True)
class _Group:
    digits: str
    start: int  # in the folded text
    end: int


def find_numbers(raw: str, folded: Folded, regions: tuple[str, ...]) -> list[FoundNumber]:
    """Every valid phone number in the page, one entry per E.164 number, first seen first."""
    found: dict[str, tuple[Parsed, list[Sighting]]] = {}
    for parsed, start, end in _spans(folded.text, regions):
        sightings = found.setdefault(parsed.e164, (parsed, []))[1]
        sightings.append(_sighting(raw, folded, start, end, len(sightings) < SNIPPETS))
    return [
        FoundNumber(p.e164, p.country, p.toll_free, tuple(sightings))
        for p, sightings in found.values()
    ]


def _spans(text: str, regions: tuple[str, ...]) -> Iterator[tuple[Parsed, int, int]]:
    for run in _RUN.finditer(text):
        base = run.start()
        if run.end() - base < 7:
            continue  # too short to hold seven digits
        plus = text[max(0, base - 2) : base].rstrip(" ").endswith("+")
        for parsed, start, end in _numbers_in_run(run.group(), plus, regions):
            yield parsed, base + start, base + end


@lru_cache(maxsize=16384)
def _numbers_in_run(
    run: str, plus: bool, regions: tuple[str, ...]
) -> tuple[tuple[Parsed, int, int], ...]:
    """The numbers in one run of digit groups, with their spans in the run (pages repeat runs).

    `plus`: a + stands just before the run, so a number starting with it is international.
    """
    groups = [
        _Group(m.group().translate(_SWAPS), m.start(), m.end()) for m in _GROUP_ONLY.finditer(run)
    ]
    return tuple(_split(("+ " if plus else "") + run, groups, regions, 2 if plus else 0))


def _split(
    text: str, groups: list[_Group], regions: tuple[str, ...], shift: int
) -> Iterator[tuple[Parsed, int, int]]:
    """The longest valid numbers in a run of groups, left to right (`text` is the run with
    `shift` characters before it)."""
    first = 0
    while first < len(groups):
        for last in range(min(len(groups), first + MAX_GROUPS) - 1, first - 1, -1):
            span = groups[first : last + 1]
            parsed = _parse_span(text, span, regions, shift)
            if parsed is not None:
                yield parsed, span[0].start, span[-1].end
                first = last + 1
                break
        else:
            first += 1


def _parse_span(
    text: str, span: list[_Group], regions: tuple[str, ...], shift: int
) -> Parsed | None:
    digits = "".join(g.digits for g in span)
    if not 7 <= len(digits) <= 15:
        return None
    start, end = span[0].start + shift, span[-1].end + shift
    if ":" in text[start:end]:
        return None  # times of day, not numbers
    international = text[max(0, start - 3) : start].rstrip(" ").endswith("+")
    national = not international and not digits.startswith("0")
    if national and len(span[0].digits) >= 4 and len(span) > 1:
        return None  # years and other counts before a dash, not the groups of a number
    return parse_digits(digits, international, regions)


@lru_cache(maxsize=65536)
def parse_digits(digits: str, international: bool, regions: tuple[str, ...]) -> Parsed | None:
    """A valid number from its digits: with +, with 00, or national in one of `regions`.

    National numbers are read in North America only without a leading 0, and anywhere
    else only with the trunk prefix 0, so counts and dates are not taken for numbers.
    """
    if international or digits.startswith("00"):
        return _valid("+" + digits.removeprefix("00"), None)
    if digits.startswith("0"):
        for region in regions:
            if region not in ("US", "CA"):
                parsed = _valid(digits, region)
                if parsed is not None:
                    return parsed
        return None
    if len(digits) == 10 or (len(digits) == 11 and digits.startswith("1")):
        return _valid(digits, "US")
    return None


def _valid(text: str, region: str | None) -> Parsed | None:
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return Parsed(
        e164=phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164),
        country=phonenumbers.region_code_for_number(number),
        toll_free=phonenumbers.number_type(number) == phonenumbers.PhoneNumberType.TOLL_FREE,
    )


def parse_one(text: str, regions: tuple[str, ...]) -> Parsed | None:
    """The one number a person typed or pasted, however disguised; None if there is none."""
    found = find_numbers(text, fold(text), regions)
    if not found:
        return None
    first = found[0]
    return Parsed(first.e164, first.country, first.toll_free)


def _sighting(raw: str, folded: Folded, start: int, end: int, shown: bool) -> Sighting:
    begin, finish = folded.origin(start), folded.origin_end(end)
    as_found = raw[begin:finish]
    text, lower = folded.text, folded.lower
    snippet = " ".join(text[max(0, start - SNIPPET) : end + SNIPPET].split()) if shown else ""
    before = lower[max(0, start - CONTEXT) : start]
    after = lower[end : end + CONTEXT]
    return Sighting(as_found, begin, snippet, before, after, disguises(as_found, text[start:end]))


@lru_cache(maxsize=16384)
def disguises(as_found: str, folded: str) -> tuple[str, ...]:
    """How a number written as `as_found` (and read as `folded`) was disguised."""
    kinds: set[str] = set()
    inner = _OUTER_TAGS.sub("", as_found)  # a tel: link around a number hides nothing
    if "<" in inner or "&#" in inner:
        kinds.add(Disguise.MARKUP)
    for char in as_found:
        if char.isascii():
            continue
        category = unicodedata.category(char)
        if category == "Cf":
            kinds.add(Disguise.HIDDEN)
        elif unicodedata.decimal(char, None) is not None:
            plain = unicodedata.normalize("NFKC", char)
            kinds.add(Disguise.LOOKALIKE if plain.isascii() else Disguise.OTHER_SCRIPT)
        elif category[0] in "LN":
            kinds.add(Disguise.LOOKALIKE)
    groups = _GROUP_ONLY.findall(folded)
    if any(c in "OolI" for c in "".join(groups)):
        kinds.add(Disguise.LETTERS)
    if sum(len(g) == 1 for g in groups) >= 4:
        kinds.add(Disguise.SPACED)
    if Disguise.MARKUP not in kinds and _odd_separators(folded):
        kinds.add(Disguise.SEPARATORS)
    return tuple(sorted(kinds))


def _odd_separators(folded: str) -> bool:
    for separator in _GROUP_ONLY.split(folded):
        if any(c not in _PLAIN_SEPARATORS for c in separator):
            return True
    return False
