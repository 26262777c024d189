"""Finds links and email addresses in a page and reads their domains with the Public Suffix
List shipped inside `publicsuffixlist` (offline: nothing is fetched at run time)."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import lru_cache

from publicsuffixlist import PublicSuffixList

from subdesk.trust.folding import fold

# Labels are taken whole (possessive), so a word that is no host fails at once.
_HOST = r"(?:[^\W_][\w-]{0,62}+\.(?=[^\W_]))++[^\W\d_]{2,24}+"
_URL = re.compile(
    rf"(?:https?://|www\.)({_HOST})(?::\d{{1,5}})?(?:[/?#][^\s<>\"'\]{{}}|\\^`]*)?", re.I
)
_HOST_AT = re.compile(rf"({_HOST})(?![\w@-])")
_LOCAL_PART = re.compile(r"[\w.%+-]{1,64}\Z")
_URL_STARTS = ("http://", "https://", "HTTP://", "HTTPS://", "www.", "WWW.")
_TOP_LEVEL = re.compile(r"\.[^\W\d_]{2}")
_HOST_CHARS = re.compile(r"[\w.-]*")

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
    top-level domain), found by fast literal searches rather than a scan of every word.
    """
    found: dict[tuple[str, str, str], FoundLink] = {}
    taken: set[int] = set()
    for at in _positions(raw, "@"):
        local = _LOCAL_PART.search(raw, max(0, at - 64), at)
        host = _HOST_AT.match(raw, at + 1)
        if local and host:
            _add(
                found,
                "email",
                raw[local.start() : host.end()],
                host.group(1),
                local.group(),
                local.start(),
            )
            taken.update((local.start(), at + 1))
    for mark in _URL_STARTS:
        for start in _positions(raw, mark):
            url = _URL.match(raw, start)
            if url and start not in taken:
                _add(found, "link", url.group(), url.group(1), "", start)
                taken.update(range(url.start(), url.end()))
    for dot in _TOP_LEVEL.finditer(raw):
        start = _host_start(raw, dot.start())
        host = _HOST_AT.match(raw, start) if start not in taken else None
        if host and (start == 0 or raw[start - 1] not in "@./:-"):
            _add(found, "link", host.group(), host.group(1), "", start)
            taken.add(start)
    return sorted(found.values(), key=lambda link: link.offset)


def _positions(text: str, mark: str) -> list[int]:
    places, at = [], text.find(mark)
    while at != -1:
        places.append(at)
        at = text.find(mark, at + 1)
    return places


def _host_start(text: str, dot: int) -> int:
    """Where the host name around the dot at `dot` begins."""
    backwards = _HOST_CHARS.match(text[max(0, dot - 253) : dot][::-1])
    start = dot - (backwards.end() if backwards else 0)
    while start < dot and not text[start].isalnum():
        start += 1
    return start


def _add(
    found: dict[tuple[str, str, str], FoundLink],
    kind: str,
    as_found: str,
    name: str,
    local: str,
    offset: int,
) -> None:
    host = read_host(name)
    if host is None:
        return
    key = (kind, host.name, local.lower())
    seen = found.get(key)
    if seen is None:
        found[key] = FoundLink(kind, as_found, host, local.lower(), offset, 1)
    else:
        found[key] = replace(seen, count=seen.count + 1)


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
