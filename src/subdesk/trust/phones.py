"""Finds phone numbers however they are written, normalised to E.164 and counted across formats.

A number is a run of digit groups. Between groups may stand any punctuation, symbol
or space (`1-{833}{555}{0143}`, `1 - ( 8 8 8 ) ...`, `1⚚888⚚…`); inside a group the
letters O/o and I/l stand for 0 and 1 (`1-8OO-...`). A run may hold several numbers
side by side, so it is split into the longest spans `phonenumbers` accepts as valid.
"""

from __future__ import annotations

import re
import sys
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import islice
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
# What one page may cost: distinct digit strings asked of phonenumbers, and groups split
# (each counted once per page). The 1 MB corpus page asks about 53 and splits about 400.
MAX_CANDIDATES = 1000
MAX_GROUPS_READ = 20_000
# One run of digit groups is read up to this many characters (a few lines of numbers are
# a few hundred); a longer one ends the reading of the page's numbers.
MAX_RUN = 50_000
CACHED_RUN = 64  # runs up to this long are cached across pages; a cache of longer ones
# would keep whole pages alive
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


def find_numbers(raw: str, folded: Folded, regions: tuple[str, ...]) -> list[FoundNumber]:
    """Every valid phone number in the page, one entry per E.164 number, first seen first.

    A page holding more candidates than one page may ask about (MAX_CANDIDATES digit
    strings, MAX_GROUPS_READ groups) has only its first ones read."""
    found: dict[str, tuple[Parsed, list[Sighting]]] = {}
    for parsed, start, end in _spans(folded.text, _Reader(regions)):
        sightings = found.setdefault(parsed.e164, (parsed, []))[1]
        sightings.append(_sighting(raw, folded, start, end, len(sightings) < SNIPPETS))
    return [
        FoundNumber(p.e164, p.country, p.toll_free, tuple(sightings))
        for p, sightings in found.values()
    ]


def _spans(text: str, reader: _Reader) -> Iterator[tuple[Parsed, int, int]]:
    position = 0
    while position < len(text):
        run = _RUN.search(text, position, position + MAX_RUN)
        if run is None:
            position += MAX_RUN
            continue
        base, position = run.span()
        if position > run.endpos - 16:  # perhaps cut by the window: read it from its start
            position = _RUN.match(text, base, base + MAX_RUN).end()  # type: ignore[union-attr]
        if position - base < 7:
            continue  # too short to hold seven digits
        plus = text[max(0, base - 2) : base].rstrip(" ").endswith("+")
        overlong = position > base + MAX_RUN - 16 and base + MAX_RUN < len(text)
        reader.cut = reader.cut or overlong
        for parsed, start, end in reader.numbers_in_run(text[base:position], plus):
            yield parsed, base + start, base + end
        if overlong:
            return  # a run of digit groups this long is no page of numbers: read no further


_Spans = tuple[tuple[Parsed, int, int], ...]
_Asked = dict[tuple[str, bool], "Parsed | None"]


class _Reader:
    """Reads the numbers of one page within a budget: at most MAX_CANDIDATES distinct digit
    strings asked of phonenumbers and MAX_GROUPS_READ groups split, each counted once per
    page (a page repeats its numbers), so a page of digits costs no more than a page of
    words. What a page reads depends on the page alone, never on what the caches hold."""

    def __init__(self, regions: tuple[str, ...], *, limited: bool = True) -> None:
        self.regions = regions
        self.limited = limited
        self.asked: _Asked = {}
        self.groups_left = MAX_GROUPS_READ
        self.cut = False
        self._runs: dict[tuple[str, bool], _Spans] = {}

    def numbers_in_run(self, run: str, plus: bool) -> _Spans:
        """The numbers in one run of digit groups, with their spans in the run.

        `plus`: a + stands just before the run, so a number starting with it is international.
        """
        known = self._runs.get((run, plus))
        if known is None:
            known = self._runs[run, plus] = self._read_run(run, plus)
        return known

    def _read_run(self, run: str, plus: bool) -> _Spans:
        if len(run) <= CACHED_RUN:
            spans, asked, groups = _short_run(run, plus, self.regions)
            if self._admit(asked, groups):
                return spans
        return tuple(_split(run, plus, self))

    def _admit(self, asked: _Asked, groups: int) -> bool:
        """Take a run read before, if reading it afresh would have stayed within the budget."""
        new = sum(key not in self.asked for key in asked)
        if self.limited and (groups > self.groups_left or len(self.asked) + new > MAX_CANDIDATES):
            return False
        self.asked.update(asked)
        self.groups_left -= groups
        return True

    def allowed_groups(self) -> int:
        return self.groups_left if self.limited else sys.maxsize

    def spend_groups(self, read: int, *, more: bool) -> None:
        """`read` groups were split; `more` stood in the run beyond what the budget let."""
        self.groups_left -= read if self.limited else 0
        self.cut = self.cut or more

    def parse(self, digits: str, international: bool) -> Parsed | None:
        key = (digits, international)
        if key in self.asked:
            return self.asked[key]
        if self.limited and len(self.asked) >= MAX_CANDIDATES:
            self.cut = True
            return None
        parsed = self.asked[key] = parse_digits(digits, international, self.regions)
        return parsed


@lru_cache(maxsize=16384)
def _short_run(run: str, plus: bool, regions: tuple[str, ...]) -> tuple[_Spans, _Asked, int]:
    """A short run read without a budget, with the digit strings it asked about and its
    number of groups (pages repeat their numbers, and so do the pages people check)."""
    reader = _Reader(regions, limited=False)
    spans = tuple(_split(run, plus, reader))
    return spans, reader.asked, len(_GROUP_ONLY.findall(run))


def _split(run: str, plus: bool, reader: _Reader) -> Iterator[tuple[Parsed, int, int]]:
    """The longest valid numbers in a run of groups, left to right (each at most MAX_GROUPS
    groups); only as many groups as the page's budget grants are read."""
    text, shift = ("+ " + run, 2) if plus else (run, 0)
    groups = _Groups.of(run, reader)
    first = 0
    while first < len(groups.digits):
        found = groups.longest_number(text, shift, first, reader)
        if found is None:
            first += 1
            continue
        parsed, last = found
        yield parsed, groups.starts[first], groups.ends[last]
        first = last + 1


@dataclass(slots=True)
class _Groups:
    """The digit groups of a run, with running counts so a span is judged without joining."""

    digits: list[str] = field(default_factory=list)  # O/o and I/l read as 0 and 1
    starts: list[int] = field(default_factory=list)  # in the run
    ends: list[int] = field(default_factory=list)
    before: list[int] = field(default_factory=lambda: [0])  # digits before group i
    colons: list[int] = field(default_factory=lambda: [0])  # gaps holding ":" up to group i

    @classmethod
    def of(cls, run: str, reader: _Reader) -> _Groups:
        groups, allowed = cls(), reader.allowed_groups()
        found = _GROUP_ONLY.finditer(run)
        for match in islice(found, allowed):
            start, end = match.span()
            if groups.ends:
                colon = ":" in run[groups.ends[-1] : start]
                groups.colons.append(groups.colons[-1] + colon)
            groups.digits.append(match.group().translate(_SWAPS))
            groups.starts.append(start)
            groups.ends.append(end)
            groups.before.append(groups.before[-1] + end - start)
        reader.spend_groups(len(groups.digits), more=next(found, None) is not None)
        return groups

    def longest_number(
        self, text: str, shift: int, first: int, reader: _Reader
    ) -> tuple[Parsed, int] | None:
        """The longest valid number starting at group `first`, and its last group.

        `text` is the run with `shift` characters before it (a + and a space)."""
        head = self.digits[first]
        start = self.starts[first] + shift
        international = text[max(0, start - 3) : start].rstrip(" ").endswith("+")
        national = not international and not head.startswith("0")
        for last in range(min(len(self.digits), first + MAX_GROUPS) - 1, first - 1, -1):
            length = self.before[last + 1] - self.before[first]
            if length < 7:
                return None
            if length > 15 or self.colons[last] != self.colons[first]:
                continue  # too long for a number, or a time of day
            if national and len(head) >= 4 and last > first:
                continue  # years and other counts before a dash, not the groups of a number
            if national and not (length == 10 or (length == 11 and head[0] == "1")):
                continue  # parse_digits reads no other national number
            parsed = reader.parse("".join(self.digits[first : last + 1]), international)
            if parsed is not None:
                return parsed, last
        return None


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
