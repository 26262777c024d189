"""Folds a page into plain comparable text (NFKC, digits of every script, markup blanked), with
a map back to the offsets of the page as it was given.

Scam pages write the same number in many costumes: mathematical or fullwidth digits
(NFKC turns them into ASCII), digits of other scripts (Arabic-Indic, Devanagari: mapped
with `unicodedata.decimal`), look-alike Cyrillic and Greek letters, zero-width characters,
HTML entities and tags between the digits. Folding undoes all of that once, so every
later rule reads one spelling. Tags become spaces of their own length, so offsets only
shift at the rare characters that fold into more or fewer than one.
"""

from __future__ import annotations

import html
import re
import unicodedata
from bisect import bisect_right
from dataclasses import dataclass, field
from functools import lru_cache

_MARKUP = re.compile(r"(</?[A-Za-z!][^<>]{0,2000}>|&#?[A-Za-z0-9]{1,10};)")
_NON_ASCII = re.compile(r"[^\x00-\x7f]+")
CACHED_RUN = 64  # longer runs are folded afresh: a cache of them would keep whole pages alive
_TEL_HREF = re.compile(r"""href\s*=\s*["']?tel:([^"'>\s]+)""", re.IGNORECASE)
# Cyrillic and Greek letters that pass for Latin ones (in numbers: O for 0, I and l for 1).
_LOOKALIKES = dict(
    zip(
        "\u041e\u043e\u039f\u03bf\u0406\u0456\u04cf\u0455\u0430\u0435\u0440\u0441\u0445\u0443",
        "OoOoIilsaepcxy",
        strict=True,
    )
)


@lru_cache(maxsize=4096)
def fold_char(char: str) -> str:
    """One character as plain text: NFKC, then any decimal digit as its ASCII digit."""
    if char in _LOOKALIKES:
        return _LOOKALIKES[char]
    if unicodedata.category(char) == "Cf":
        return ""  # zero-width joiners, soft hyphens, direction marks
    folded = unicodedata.normalize("NFKC", char)
    if folded.isascii():
        return folded
    return "".join(_ascii_digit(c) for c in folded)


def _ascii_digit(char: str) -> str:
    value = unicodedata.decimal(char, None)
    return str(value) if value is not None else char


@dataclass(slots=True)
class Folded:
    """The folded text and segments mapping its offsets back to the original."""

    text: str
    # Segment starts in the folded text and in the original; a replaced segment maps as a whole.
    _starts: list[int] = field(default_factory=lambda: [0])
    _origins: list[int] = field(default_factory=lambda: [0])
    _replaced: list[bool] = field(default_factory=lambda: [False])
    original_length: int = 0
    _lower: str | None = None

    @property
    def lower(self) -> str:
        """The folded text in lower case, offset for offset (İ is the one letter that is not)."""
        if self._lower is None:
            self._lower = self.text.replace("\u0130", "i").lower()
        return self._lower

    def origin(self, offset: int) -> int:
        """Where the folded `offset` starts in the original text."""
        if len(self._starts) == 1:
            return offset
        index = bisect_right(self._starts, offset) - 1
        if self._replaced[index]:
            return self._origins[index]
        return self._origins[index] + offset - self._starts[index]

    def origin_end(self, end: int) -> int:
        """Where a folded span ending (exclusively) at `end` ends in the original text."""
        if end <= 0 or len(self._starts) == 1:
            return max(end, 0)
        index = bisect_right(self._starts, end - 1) - 1
        if self._replaced[index]:
            following = index + 1
            return (
                self._origins[following] if following < len(self._origins) else self.original_length
            )
        return self._origins[index] + end - self._starts[index]


class _Builder:
    def __init__(self, original_length: int) -> None:
        self.pieces: list[str] = []
        self.folded = Folded("", original_length=original_length)
        self.length = 0

    def keep(self, text: str, origin: int) -> None:
        """Text that maps one to one onto the original starting at `origin`."""
        if not text:
            return
        if self.folded._replaced[-1]:
            self._segment(origin, replaced=False)
        self.pieces.append(text)
        self.length += len(text)

    def replace(self, text: str, origin: int, origin_length: int) -> None:
        if len(text) == origin_length:
            self.keep(text, origin)
            return
        self._segment(origin, replaced=True)
        self.pieces.append(text)
        self.length += len(text)
        self._segment(origin + origin_length, replaced=False)

    def _segment(self, origin: int, *, replaced: bool) -> None:
        folded = self.folded
        if folded._starts[-1] == self.length:  # an empty segment: reuse it
            folded._origins[-1], folded._replaced[-1] = origin, replaced
            return
        folded._starts.append(self.length)
        folded._origins.append(origin)
        folded._replaced.append(replaced)

    def done(self) -> Folded:
        self.folded.text = "".join(self.pieces)
        return self.folded


def fold(raw: str) -> Folded:
    """The page as plain text with a map back to `raw`; see the module's docstring."""
    blanked = _blank_markup(raw)
    if blanked.isascii():
        return Folded(blanked, original_length=len(raw))
    shifting: list[int] = []  # where characters stand that fold into more or fewer than one

    def plain(match: re.Match[str]) -> str:
        run = match.group()
        folded, odd = _fold_run(run) if len(run) <= CACHED_RUN else _fold_long_run(run)
        if odd:
            shifting.extend(match.start() + index for index in odd)
        return folded

    text = _NON_ASCII.sub(plain, blanked)
    if not shifting:
        return Folded(text, original_length=len(raw))
    return _with_segments(text, shifting, len(raw))


@lru_cache(maxsize=16384)
def _fold_run(run: str) -> tuple[str, tuple[int, ...]]:
    """A short run folded (pages repeat their words, so short runs are cached)."""
    return _fold_long_run(run)


def _fold_long_run(run: str) -> tuple[str, tuple[int, ...]]:
    """A run folded character by character, except those that fold into more or fewer than
    one character: they stay as they are, and their places are returned for a second pass."""
    pieces, odd = [], []
    for index, char in enumerate(run):
        folded = fold_char(char)
        if len(folded) == 1:
            pieces.append(folded)
        else:
            pieces.append(char)
            odd.append(index)
    return "".join(pieces), tuple(odd)


def _with_segments(text: str, shifting: list[int], original_length: int) -> Folded:
    """Fold the characters that change the length, each in a segment of its own; characters
    side by side make one segment (an offset inside it maps to where they start), so a page
    of them costs one step a run, not a step a character."""
    builder = _Builder(original_length)
    position, index, count = 0, 0, len(shifting)
    while index < count:
        start = end = shifting[index]
        while index < count and shifting[index] == end:
            index, end = index + 1, end + 1
        builder.keep(text[position:start], position)
        builder.replace("".join(map(fold_char, text[start:end])), start, end - start)
        position = end
    builder.keep(text[position:], position)
    return builder.done()


def _blank_markup(raw: str) -> str:
    """Tags and character references become spaces of the same length, so offsets hold."""
    if "<" not in raw and "&" not in raw:
        return raw
    parts = _MARKUP.split(raw)
    parts[1::2] = [
        _markup_text(part) if part[0] == "&" or "tel:" in part else " " * len(part)
        for part in parts[1::2]
    ]
    return "".join(parts)


def _markup_text(part: str) -> str:
    """A character reference reads as its character, a `tel:` link as its number."""
    if part[0] == "&":
        text = html.unescape(part)
    else:
        found = _TEL_HREF.search(part)
        text = f" {found.group(1)} " if found else " "
    return text.ljust(len(part)) if len(text) <= len(part) else " " * len(part)
