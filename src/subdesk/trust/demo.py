"""The demo's official channels (idempotent): what `subdesk demo` registers as ours."""

from __future__ import annotations

from subdesk.context import Work
from subdesk.trust import registry
from subdesk.trust.phones import parse_one
from subdesk.trust.rules import Registry

PHONES = [
    ("+1 800 555 0199", "customer support", "Mon-Fri 8:00-20:00 ET"),
    ("+49 800 5550199", "Kundendienst", "Mo-Fr 9:00-18:00 Uhr"),
]
REGIONS = ("US", "DE", "GB")
DOMAINS = [
    ("web", "shield.example"),
    ("web", "subdesk.example"),
    ("email", "shield.example"),
    ("email", "subdesk.example"),
]


def seed_official_channels(work: Work) -> int:
    """Register the demo numbers and domains that are missing; count the new ones."""
    known = registry.channels(work.session)
    numbers = {phone.e164 for phone in known.phones}
    domains = {("web", d) for d in known.web_domains} | {("email", d) for d in known.email_domains}
    created = 0
    for number, purpose, hours in PHONES:
        if registry.read_number(work, number).e164 not in numbers:
            registry.add_phone(work, number, purpose, hours, reason="demo data")
            created += 1
    for kind, domain in DOMAINS:
        if (kind, domain) not in domains:
            registry.add_domain(work, kind, domain, reason="demo data")
            created += 1
    return created


def demo_registry() -> Registry:
    """The demo channels as the rules see them, without a database (for the evaluation)."""
    numbers = (parse_one(number, REGIONS) for number, _purpose, _hours in PHONES)
    return Registry(
        phones={parsed.e164: "" for parsed in numbers if parsed is not None},
        web_domains=frozenset(d for kind, d in DOMAINS if kind == "web"),
        email_domains=frozenset(d for kind, d in DOMAINS if kind == "email"),
        scam_numbers=frozenset(),
    )
