"""Partner API keys: `sdp_<prefix>_<secret>`, shown once, kept only as a SHA-256."""

from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import select

from subdesk.audit.log import audit
from subdesk.context import Work
from subdesk.errors import NotAuthenticated, NotFound
from subdesk.models import Partner, PartnerKey


def digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def issue_key(work: Work, partner: Partner) -> str:
    """A new key for `partner`; older keys keep working until revoked (rotation)."""
    prefix = secrets.token_hex(4)
    key = f"sdp_{prefix}_{secrets.token_urlsafe(32)}"
    work.session.add(
        PartnerKey(partner_id=partner.id, prefix=prefix, key_hash=digest(key), created_at=work.now)
    )
    audit(
        work, action="partner.key_issued", entity=("partner", partner.id), after={"prefix": prefix}
    )
    return key


def revoke_key(work: Work, prefix: str) -> PartnerKey:
    row = work.session.scalars(select(PartnerKey).where(PartnerKey.prefix == prefix)).first()
    if row is None:
        raise NotFound("No partner key with this prefix.", field="prefix")
    if row.revoked_at is None:
        row.revoked_at = work.now
        audit(
            work,
            action="partner.key_revoked",
            entity=("partner", row.partner_id),
            before={"prefix": prefix, "revoked": False},
            after={"prefix": prefix, "revoked": True},
        )
    return row


def partner_for_key(work: Work, key: str) -> Partner:
    """The partner holding `key`; a wrong or revoked key is refused the same way."""
    row = work.session.scalars(select(PartnerKey).where(PartnerKey.key_hash == digest(key))).first()
    partner = work.session.get(Partner, row.partner_id) if row and row.revoked_at is None else None
    if partner is None:
        raise NotAuthenticated("This partner API key is not valid.", code="invalid_partner_key")
    return partner
