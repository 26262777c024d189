"""Reads what a check is given (a page, a number, a link or an address) into findings."""

from __future__ import annotations

from dataclasses import dataclass, replace
from urllib.parse import urlsplit

from subdesk.trust import phrases
from subdesk.trust.folding import fold
from subdesk.trust.links import FoundLink, find_links, read_host
from subdesk.trust.phones import FoundNumber, Sighting, disguises, find_numbers, parse_one
from subdesk.trust.phrases import Hit


@dataclass(frozen=True, slots=True)
class Findings:
    """Everything the rules look at, read once from the input."""

    numbers: tuple[FoundNumber, ...] = ()
    links: tuple[FoundLink, ...] = ()
    calls_to_cancel: tuple[Hit, ...] = ()
    payment_requests: tuple[Hit, ...] = ()
    remote_access_requests: tuple[Hit, ...] = ()
    names_brand: bool = False
    single: bool = False  # one number, link or address was checked, not a page


def read_page(text: str, regions: tuple[str, ...], brand_words: tuple[str, ...]) -> Findings:
    """The numbers, links, addresses and phrases of a page of text or HTML."""
    folded = fold(text)
    names_brand = phrases.mentions_brand(folded, brand_words)
    found = Findings(
        numbers=tuple(find_numbers(text, folded, regions)),
        links=tuple(find_links(text)),
        names_brand=names_brand,
    )
    if not names_brand:
        return found  # the page's words count only on a page that names the vendor
    return replace(
        found,
        calls_to_cancel=tuple(phrases.calls_to_cancel(folded)),
        payment_requests=tuple(phrases.payment_requests(folded)),
        remote_access_requests=tuple(phrases.remote_access_requests(folded)),
    )


def read_phone(text: str, regions: tuple[str, ...]) -> Findings | None:
    """One phone number as typed; None if it is not a valid number."""
    parsed = parse_one(text, regions)
    if parsed is None:
        return None
    written = text.strip()
    sighting = Sighting(written, 0, written, "", "", disguises(written, fold(written).text))
    number = FoundNumber(parsed.e164, parsed.country, parsed.toll_free, (sighting,))
    return Findings(numbers=(number,), single=True)


def read_url(text: str) -> Findings | None:
    """One link; None if it names no host on a known top-level domain."""
    written = text.strip()
    try:
        name = urlsplit(written if "//" in written else f"//{written}").hostname
    except ValueError:
        return None
    host = read_host(name) if name else None
    if host is None:
        return None
    return Findings(links=(FoundLink("link", written, host, "", 0, 1),), single=True)


def read_email(text: str) -> Findings | None:
    """One email address; None if it is not one."""
    written = text.strip()
    local, at, domain = written.rpartition("@")
    host = read_host(domain) if at and local else None
    if host is None:
        return None
    return Findings(links=(FoundLink("email", written, host, local.lower(), 0, 1),), single=True)
