"""The official channels registry: the vendor's numbers, web domains and email sender domains,
changed by operators (audited) and read by everyone."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from subdesk.audit.log import audit
from subdesk.context import Work
from subdesk.errors import Conflict, InvalidRequest, NotFound
from subdesk.models import OfficialDomain, OfficialPhone, ScamNumber
from subdesk.trust.links import read_host
from subdesk.trust.phones import Parsed, parse_one
from subdesk.trust.rules import Registry

DOMAIN_KINDS = ("web", "email")


@dataclass(frozen=True, slots=True)
class Channels:
    """Every official channel, for the public list."""

    phones: list[OfficialPhone]
    web_domains: list[str]
    email_domains: list[str]


def regions(work: Work) -> tuple[str, ...]:
    return tuple(work.settings.trust_phone_regions)


def read_number(work: Work, number: str, field: str = "number") -> Parsed:
    """A typed phone number as E.164; refused if it is not a valid number."""
    parsed = parse_one(number, regions(work)) if len(number) <= 100 else None
    if parsed is None:
        raise InvalidRequest(
            "This is not a valid phone number; include the country code, e.g. +1 800 555 0199.",
            code="invalid_phone_number",
            field=field,
        )
    return parsed


def read_domain(domain: str, field: str = "domain") -> str:
    """A domain as stored: lower case, without scheme, path or a leading www."""
    name = domain.strip().lower().split("://")[-1].split("/")[0].split(":")[0]
    host = read_host(name.removeprefix("www.")) if 0 < len(name) <= 253 else None
    if host is None:
        raise InvalidRequest("This is not a domain name.", code="invalid_domain", field=field)
    return host.name


def add_phone(
    work: Work, number: str, purpose: str, hours: str, reason: str | None = None
) -> OfficialPhone:
    """Register an official number."""
    parsed = read_number(work, number)
    if _phone(work.session, parsed.e164) is not None:
        raise Conflict("This number is registered already.", code="already_registered")
    if work.session.get(ScamNumber, parsed.e164) is not None:
        raise Conflict(
            "This number is marked as a scam; unmark it first.", code="known_scam_number"
        )
    phone = OfficialPhone(
        e164=parsed.e164,
        country=parsed.country,
        toll_free=parsed.toll_free,
        purpose=purpose,
        hours=hours,
        added_at=work.now,
    )
    work.session.add(phone)
    work.session.flush()
    facts = _phone_facts(phone)
    audit_change(
        work, "trust.phone_added", ("official_phone", phone.e164), after=facts, reason=reason
    )
    return phone


def remove_phone(work: Work, number: str, reason: str) -> None:
    phone = _phone(work.session, read_number(work, number).e164)
    if phone is None:
        raise NotFound("This number is not registered.", code="not_registered", field="number")
    work.session.delete(phone)
    audit_change(
        work,
        "trust.phone_removed",
        ("official_phone", phone.e164),
        before=_phone_facts(phone),
        reason=reason,
    )


def add_domain(work: Work, kind: str, domain: str, reason: str | None = None) -> OfficialDomain:
    """Register a web domain (its subdomains count too) or an email sender domain."""
    name = read_domain(domain)
    if _domain(work.session, _kind(kind), name) is not None:
        raise Conflict("This domain is registered already.", code="already_registered")
    row = OfficialDomain(kind=kind, domain=name, added_at=work.now)
    work.session.add(row)
    work.session.flush()
    after = {"kind": kind}
    audit_change(work, "trust.domain_added", ("official_domain", name), after=after, reason=reason)
    return row


def remove_domain(work: Work, kind: str, domain: str, reason: str) -> None:
    name = read_domain(domain)
    row = _domain(work.session, _kind(kind), name)
    if row is None:
        raise NotFound("This domain is not registered.", code="not_registered", field="domain")
    work.session.delete(row)
    audit_change(
        work,
        "trust.domain_removed",
        ("official_domain", name),
        before={"kind": kind},
        reason=reason,
    )


def channels(session: Session) -> Channels:
    phones = list(session.scalars(select(OfficialPhone).order_by(OfficialPhone.e164)))
    domains = list(session.scalars(select(OfficialDomain).order_by(OfficialDomain.domain)))
    return Channels(
        phones=phones,
        web_domains=[d.domain for d in domains if d.kind == "web"],
        email_domains=[d.domain for d in domains if d.kind == "email"],
    )


def snapshot(session: Session) -> Registry:
    """The registry as the rules see it."""
    found = channels(session)
    return Registry(
        phones={p.e164: ", ".join(filter(None, (p.purpose, p.hours))) for p in found.phones},
        web_domains=frozenset(found.web_domains),
        email_domains=frozenset(found.email_domains),
        scam_numbers=frozenset(session.scalars(select(ScamNumber.e164))),
    )


def _kind(kind: str) -> str:
    if kind not in DOMAIN_KINDS:
        raise InvalidRequest("The kind is web or email.", code="invalid_kind", field="kind")
    return kind


def _phone(session: Session, e164: str) -> OfficialPhone | None:
    return session.scalars(select(OfficialPhone).where(OfficialPhone.e164 == e164)).first()


def _domain(session: Session, kind: str, name: str) -> OfficialDomain | None:
    query = select(OfficialDomain).where(OfficialDomain.kind == kind, OfficialDomain.domain == name)
    return session.scalars(query).first()


def _phone_facts(phone: OfficialPhone) -> dict[str, object]:
    return {"country": phone.country, "purpose": phone.purpose, "hours": phone.hours}


def audit_change(
    work: Work,
    action: str,
    entity: tuple[str, object],
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str | None = None,
) -> None:
    """Append the audit event of a trust-team change."""
    audit(work, action=action, entity=entity, before=before, after=after, reason=reason)
