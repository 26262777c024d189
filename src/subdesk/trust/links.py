"""Finds links and email addresses in a page and reads their domains with the Public Suffix
List shipped inside `publicsuffixlist` (offline: nothing is fetched at run time)."""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, replace
from functools import lru_cache

from publicsuffixlist import PublicSuffixList

from subdesk.trust.folding import fold

# Labels are taken whole (possessive), so a word that is no host fails at once. A host name is
# read in two steps (its labels, then its top-level domain) so that a run of labels is read
# once however many marks stand in it; a name longer than DNS allows (253) is no host.
_LABEL = r"[^\W_][\w-]{0,62}+\.(?=[^\W_])"
_LABELS = re.compile(rf"(?:{_LABEL})++")
_TOP_LEVEL_NAME = re.compile(r"[^\W\d_]{2,24}+")
_AFTER_BARE_HOST = re.compile(r"[\w@-]")  # a bare host name or an address's ends before these
_URL_TAIL = re.compile(r"(?::\d{1,5})?(?:[/?#][^\s<>\"'\]{}|\\^`]*)?")
_URL_STARTS = ("http://", "https://", "HTTP://", "HTTPS://", "www.", "WWW.")
# Each mark is looked for only where a label follows it, and an @ only between an address's
# characters and a host name (the names after @s do not overlap), so runs of marks that
# start nothing cost no Python step (the @ comes first in its pattern, so the search
# skips from @ to @).
_URL_MARKS = tuple((mark, re.compile(re.escape(mark) + rf"(?={_LABEL})")) for mark in _URL_STARTS)
_AT = re.compile(rf"@(?<=[\w.%+-]@)(?=((?:{_LABEL})++[^\W\d_]{{2,24}}+)(?![\w@-]))")
_LOCAL_PART_REVERSED = re.compile(r"[\w.%+-]{1,64}")  # read backwards from the @
_TOP_LEVEL = re.compile(r"\.[^\W\d_]{2}")
_HOST_CHARS = re.compile(r"[\w.-]*")
_ALNUM = re.compile(r"[^\W_]")
MAX_HOST = 253

# Registrable domains where anyone can publish pages without owning a domain, beyond the
# private section of the Public Suffix List (which already holds blogspot.com, github.io,
# netlify.app, web.app, herokuapp.com, wixsite.com, ...).
FREE_HOSTS = frozenset(
    {
        "000webhostapp.com",
        "godaddysites.com",
        "jimdosite.com",
        "mystrikingly.com",
        "site123.me",
        "sites.google.com",
        "ucoz.net",
        "weebly.com",
        "weeblysite.com",
        "wordpress.com",
    }
)
FREE_MAIL = frozenset(
    {
        "aol.com",
        "gmail.com",
        "gmx.de",
        "gmx.net",
        "hotmail.com",
        "icloud.com",
        "mail.com",
        "outlook.com",
        "proton.me",
        "protonmail.com",
        "web.de",
        "yahoo.com",
        "yandex.com",
    }
)
SUPPORT_WORDS = (
    "billing",
    "cancel",
    "care",
    "contact",
    "customer",
    "help",
    "hilfe",
    "hotline",
    "kuendig",
    "kundendienst",
    "kundig",
    "refund",
    "renew",
    "service",
    "support",
    "tollfree",
)
_PSL_ALL = PublicSuffixList()
_PSL_ICANN = PublicSuffixList(only_icann=True)
_TOKENS = re.compile(r"[^\W\d_]+")
_BRAND_PREFIXES = ("", "my", "get", "the", "go", "www")


@dataclass(frozen=True, slots=True)
class Host:
    """What a domain name says about who runs it."""

    name: str  # folded to plain lower case
    owner: str  # the registrable domain in the ICANN sense (blogspot.com for x.blogspot.com)
    free_hosting: bool  # anyone can put pages there
    labels: tuple[str, ...]  # the labels left of the public suffix (x for x.blogspot.com)


@dataclass(frozen=True, slots=True)
class FoundLink:
    """A link or an email address, with where it was first seen and how often."""

    kind: str  # "link" or "email"
    as_found: str
    host: Host
    local_part: str  # the part before @ of an email address; "" for links
    offset: int
    count: int


@lru_cache(maxsize=8192)
def read_host(name: str) -> Host | None:
    """A host name read with the Public Suffix List; None if its top-level domain is unknown."""
    plain = fold(name).text.lower().strip(".")
    icann_suffix = _PSL_ICANN.publicsuffix(plain, accept_unknown=False)
    if icann_suffix is None and not plain.endswith((".example", ".test")):
        return None
    suffix = _PSL_ALL.publicsuffix(plain) or plain.rsplit(".", 1)[-1]
    owner = _PSL_ICANN.privatesuffix(plain) or plain
    free = suffix != (icann_suffix or suffix) or owner in FREE_HOSTS or _on_free_path(plain)
    labels = tuple(plain.removesuffix(suffix).strip(".").split(".")) if plain != suffix else ()
    return Host(plain, owner, free, tuple(label for label in labels if label))


def _on_free_path(name: str) -> bool:
    return any(name == host or name.endswith("." + host) for host in FREE_HOSTS)


def find_links(raw: str) -> list[FoundLink]:
    """Every link (with a scheme, www., or a bare domain) and email address, once per target.

    Each kind is looked for only where its mark stands (an @, a scheme, a dot before a
    top-level domain), and every run of host characters is read a bounded number of times,
    so the cost grows with the page, not with the square of its longest run.
    """
    found = _Found()
    hosts = _HostReader(raw)
    taken = _Taken()
    _find_addresses(raw, taken, found)
    for mark, pattern in _URL_MARKS:
        _find_urls(raw, mark, pattern, hosts, taken, found)
        taken.settle()
    _find_bare_hosts(raw, hosts, taken, found)
    return found.links()


def _find_addresses(raw: str, taken: _Taken, found: _Found) -> None:
    """Email addresses, counted first as written (a page may repeat one thousands of times)."""
    written: dict[tuple[str, str], list[int]] = {}  # (domain, local part) -> [offset, count]
    for at in _AT.finditer(raw):
        place, name = at.start(), at.group(1)
        if len(name) > MAX_HOST:
            continue
        window = raw[max(0, place - 64) : place][::-1]
        local_start = place - _LOCAL_PART_REVERSED.match(window).end()  # type: ignore[union-attr]
        seen = written.setdefault((name, raw[local_start:place]), [local_start, 0])
        seen[1] += 1
        taken.points.update((local_start, place + 1))
    for (name, local), (offset, count) in written.items():
        as_found = raw[offset : offset + len(local) + 1 + len(name)]
        found.add("email", as_found, name, local, offset, count)


def _find_urls(
    raw: str, mark: str, pattern: re.Pattern[str], hosts: _HostReader, taken: _Taken, found: _Found
) -> None:
    at = 0
    while (place := pattern.search(raw, at)) is not None:
        start, at = place.start(), place.start() + 1
        if start in taken:
            continue
        end = hosts.end(place.end(), bare=False)
        if end is None:
            # Every later mark inside the same overlong run of labels fails the same way.
            at = max(at, hosts.overlong_end - MAX_HOST - len(mark))
            continue
        url_end = _URL_TAIL.match(raw, end).end()  # type: ignore[union-attr]
        found.add("link", raw[start:url_end], raw[place.end() : end], "", start)
        taken.add_span(start, url_end)
        at = url_end


def _find_bare_hosts(raw: str, hosts: _HostReader, taken: _Taken, found: _Found) -> None:
    """Bare domains: a host begins where its run of host characters does, at most 253
    characters before the dot of its top-level domain; each run is read once."""
    position = 0
    while (dot := _TOP_LEVEL.search(raw, position)) is not None:
        dot_at, floor = dot.start(), max(position, dot.start() - MAX_HOST)
        position = _HOST_CHARS.match(raw, dot_at).end()  # type: ignore[union-attr]
        run_start = dot_at - _HOST_CHARS.match(raw[floor:dot_at][::-1]).end()  # type: ignore[union-attr]
        if (
            run_start == dot_at - MAX_HOST
            and run_start > 0
            and _HOST_CHARS.fullmatch(raw[run_start - 1])
        ):
            continue  # the run begins further back than a host name reaches
        alnum = _ALNUM.search(raw, run_start, dot_at)
        start = alnum.start() if alnum else dot_at
        if (start == 0 or raw[start - 1] not in "@./:-") and start not in taken:
            end = hosts.end(start, bare=True)
            if end is not None:
                found.add("link", raw[start:end], raw[start:end], "", start)


class _HostReader:
    """Reads host names in one page, remembering the last run of labels it read: a mark
    inside that run (www.www.www...) ends where the run does without reading it again."""

    def __init__(self, raw: str) -> None:
        self.raw = raw
        self._labels = (0, 0)  # the start and end of the last run of labels read
        self.overlong_end = 0  # where the last name too long to be a host ended

    def end(self, start: int, *, bare: bool) -> int | None:
        """Where the host name starting at `start` ends; None if none starts there. A bare
        name (or an address's) must not run on into a word character, @ or -."""
        raw, (first, last) = self.raw, self._labels
        if first <= start < last and (start == first or raw[start - 1] == "."):
            labels_end = last
        else:
            labels = _LABELS.match(raw, start)
            if labels is None:
                return None
            labels_end = labels.end()
            self._labels = (start, labels_end)
        top = _TOP_LEVEL_NAME.match(raw, labels_end)
        if top is None:
            return None
        end = top.end()
        if bare and _AFTER_BARE_HOST.match(raw, end):
            return None
        if end - start > MAX_HOST:
            self.overlong_end = end
            return None
        return end


class _Taken:
    """Where addresses and links already found stand, so no mark inside one is read again."""

    def __init__(self) -> None:
        self.points: set[int] = set()  # where an address and its domain begin
        self._starts: list[int] = []  # spans of the links found, merged and sorted
        self._ends: list[int] = []
        self._new: list[tuple[int, int]] = []  # found since the last settle(), in order

    def __contains__(self, at: int) -> bool:
        if at in self.points or (self._new and self._new[-1][0] <= at < self._new[-1][1]):
            return True
        index = bisect_right(self._starts, at) - 1
        return index >= 0 and at < self._ends[index]

    def add_span(self, start: int, end: int) -> None:
        self._new.append((start, end))

    def settle(self) -> None:
        """Merge the spans found by one kind of mark into the sorted union."""
        spans = sorted([*zip(self._starts, self._ends, strict=True), *self._new])
        self._starts, self._ends, self._new = [], [], []
        for start, end in spans:
            if self._ends and start <= self._ends[-1]:
                self._ends[-1] = max(self._ends[-1], end)
            else:
                self._starts.append(start)
                self._ends.append(end)


class _Found:
    """The links and addresses found, counted per target, each with where it was first seen."""

    def __init__(self) -> None:
        self._first: dict[tuple[str, str, str], FoundLink] = {}
        self._counts: dict[tuple[str, str, str], int] = {}

    def add(
        self, kind: str, as_found: str, name: str, local: str, offset: int, times: int = 1
    ) -> None:
        host = read_host(name)
        if host is None:
            return
        key = (kind, host.name, local.lower())
        count = self._counts.get(key)
        if count is None:
            self._first[key] = FoundLink(kind, as_found, host, local.lower(), offset, 1)
            self._counts[key] = times
        else:
            self._counts[key] = count + times

    def links(self) -> list[FoundLink]:
        counted = [replace(link, count=self._counts[key]) for key, link in self._first.items()]
        return sorted(counted, key=lambda link: link.offset)


def brand_in(host: Host, brand_words: tuple[str, ...]) -> bool:
    """The brand stands in the host's own labels (shield-help, myshield; not windshield)."""
    return any(_brand_token(token, brand_words) for token in _tokens(host.labels))


def brand_in_text(text: str, brand_words: tuple[str, ...]) -> bool:
    return any(_brand_token(token, brand_words) for token in _TOKENS.findall(text.lower()))


def support_in(labels: tuple[str, ...] | list[str]) -> bool:
    joined = "-".join(labels).lower()
    return any(word in joined for word in SUPPORT_WORDS)


def _tokens(labels: tuple[str, ...]) -> list[str]:
    return [token for label in labels for token in _TOKENS.findall(label)]


def _brand_token(token: str, brand_words: tuple[str, ...]) -> bool:
    return any(
        token.startswith(prefix + brand) for brand in brand_words for prefix in _BRAND_PREFIXES
    )


def is_under(name: str, domains: frozenset[str]) -> bool:
    """`name` is one of `domains` or a subdomain of one."""
    parts = name.split(".")
    return any(".".join(parts[i:]) in domains for i in range(len(parts)))
