"""The operator's side of partners: adding one, finding one, listing them with their keys."""

from __future__ import annotations

import re

from sqlalchemy import select

from subdesk.audit.log import audit
from subdesk.channels.partners.keys import issue_key
from subdesk.context import Work
from subdesk.errors import Conflict, InvalidRequest, NotFound
from subdesk.models import Partner, PartnerKey

CODE = re.compile(r"^[a-z0-9][a-z0-9-]{1,39}$")


def add_partner(work: Work, code: str, name: str, status_url: str | None) -> str:
    """Add a partner; returns its first API key."""
    if not CODE.match(code):
        raise InvalidRequest("A partner code is 2 to 40 of a-z, 0-9 and '-'.", field="code")
    if status_url and not status_url.startswith(("https://", "http://")):
        raise InvalidRequest("The status address must be an http(s) URL.", field="status_url")
    if work.session.scalars(select(Partner).where(Partner.code == code)).first():
        raise Conflict("A partner with this code exists.", code="partner_exists", field="code")
    partner = Partner(code=code, name=name, status_url=status_url, created_at=work.now)
    work.session.add(partner)
    work.session.flush()
    audit(
        work,
        action="partner.added",
        entity=("partner", partner.id),
        after={"code": code, "name": name, "status_url": status_url},
    )
    return issue_key(work, partner)


def partner_by_code(work: Work, code: str) -> Partner:
    partner = work.session.scalars(select(Partner).where(Partner.code == code)).first()
    if partner is None:
        raise NotFound("No partner with this code.", field="code")
    return partner


def partners_with_keys(work: Work) -> list[tuple[Partner, list[str]]]:
    partners = list(work.session.scalars(select(Partner).order_by(Partner.code)))
    keys = work.session.scalars(select(PartnerKey).where(PartnerKey.revoked_at.is_(None)))
    by_partner: dict[object, list[str]] = {}
    for key in keys:
        by_partner.setdefault(key.partner_id, []).append(key.prefix)
    return [(p, sorted(by_partner.get(p.id, []))) for p in partners]
