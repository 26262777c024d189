"""Links and email addresses are found, and their domains read offline with the suffix list."""

from __future__ import annotations

import pytest

from subdesk.trust.links import brand_in, find_links, is_under, read_host, support_in

BRAND = ("shield",)


def test_links_with_a_scheme_www_or_bare_and_addresses_are_found_once_each() -> None:
    page = (
        "Go to https://shield-help.blogspot.com/cancel or www.shieldsupport-center.com. "
        "Write to billing@shield-renewals.net. Again: https://shield-help.blogspot.com/x "
        '<a href="https://antivirus-help.netlify.app/">here</a>, bbc.co.uk/news.'
    )
    found = {(link.kind, link.host.name): link.count for link in find_links(page)}
    assert found == {
        ("link", "shield-help.blogspot.com"): 2,
        ("link", "shieldsupport-center.com"): 1,
        ("email", "shield-renewals.net"): 1,
        ("link", "antivirus-help.netlify.app"): 1,
        ("link", "bbc.co.uk"): 1,
    }


def test_file_names_and_abbreviations_are_not_links() -> None:
    assert find_links("Open setup.exe and report.pdf, e.g. now; Mr.Smith said so.") == []


@pytest.mark.parametrize(
    ("name", "owner", "free"),
    [
        ("shield-help.blogspot.com", "blogspot.com", True),
        ("x.github.io", "github.io", True),
        ("a.netlify.app", "netlify.app", True),
        ("my-shop.weebly.com", "weebly.com", True),
        ("news.bbc.co.uk", "bbc.co.uk", False),
        ("help.shield.example", "shield.example", False),
    ],
)
def test_hosts_are_read_with_the_public_suffix_list(name: str, owner: str, free: bool) -> None:
    host = read_host(name)
    assert host is not None
    assert (host.owner, host.free_hosting) == (owner, free)


def test_a_host_on_an_unknown_top_level_domain_is_no_host() -> None:
    assert read_host("report.pdf") is None


def test_fullwidth_and_cyrillic_letters_in_a_host_are_folded() -> None:
    host = read_host("ｓｈｉｅｌｄ-help.com")
    cyrillic = read_host("\u0455hield-support.com")
    assert host is not None
    assert cyrillic is not None
    assert (host.name, cyrillic.name) == ("shield-help.com", "shield-support.com")


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("shield-help.com", True),
        ("myshield.app", True),
        ("shieldsupport.net", True),
        ("shield.example.evil.com", True),
        ("windshield-repair.com", False),
        ("example.com", False),
    ],
)
def test_the_brand_counts_only_at_the_start_of_a_word(name: str, expected: bool) -> None:
    host = read_host(name)
    assert host is not None
    assert brand_in(host, BRAND) is expected


def test_support_words_are_seen_in_a_hosts_own_labels() -> None:
    helpdesk = read_host("antivirus-helpdesk.netlify.app")
    plain = read_host("news.netlify.app")
    assert helpdesk is not None
    assert plain is not None
    assert support_in(helpdesk.labels)
    assert not support_in(plain.labels)


def test_a_subdomain_of_a_registered_domain_is_under_it() -> None:
    domains = frozenset({"shield.example"})
    assert is_under("help.shield.example", domains)
    assert is_under("shield.example", domains)
    assert not is_under("shield.example.evil.com", domains)
    assert not is_under("evilshield.example", domains)
