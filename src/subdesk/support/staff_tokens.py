"""Bearer tokens of the agent API: issued for the password and a TOTP code, for 12 hours,
kept only as a SHA-256 digest, revocable; never usable by a disabled staff member."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from subdesk.accounts.service import token_digest
from subdesk.audit.log import record
from subdesk.context import Work
from subdesk.errors import NotAuthenticated
from subdesk.models import StaffMember, StaffToken
from subdesk.support import staff as staff_accounts
from subdesk.support.rules import NotAllowed

TOKEN_HOURS = 12
INVALID = "Sign in again: this staff token is not valid."


class PasswordChangeFirst(NotAllowed):
    """Signed in with a one-time password: the console asks for one's own before anything."""

    code = "password_change_needed"


def _password_change_first() -> PasswordChangeFirst:
    return PasswordChangeFirst("Choose your own password in the console (/agent) first.")


@dataclass(frozen=True, slots=True)
class Issued:
    """The token itself, given out once; only its digest is stored."""

    token: str
    expires_at: datetime
    staff: StaffMember


def issue(work: Work, email: str, password: str, code: str) -> Issued:
    """A new random token for the staff member whose password and TOTP code these are."""
    member = staff_accounts.authenticate(work, email, password, code)
    if member.must_change_password:
        raise _password_change_first()
    token = secrets.token_urlsafe(32)
    row = StaffToken(
        id=uuid.uuid4(),
        staff_id=member.id,
        token_hash=token_digest(token),
        created_at=work.now,
        expires_at=work.now + timedelta(hours=TOKEN_HOURS),
    )
    work.session.add(row)
    _audit(work, member, "staff.token_issued", row)
    return Issued(token, row.expires_at, member)


def _row(work: Work, token: str) -> StaffToken | None:
    query = select(StaffToken).where(StaffToken.token_hash == token_digest(token))
    return work.session.scalars(query).first()


def staff_for_token(work: Work, token: str) -> StaffMember:
    """The active staff member holding this unexpired, unrevoked token."""
    row = _row(work, token)
    if row is None or row.revoked_at is not None or row.expires_at <= work.now:
        raise NotAuthenticated(INVALID, code="invalid_token")
    member = work.session.get(StaffMember, row.staff_id)
    if member is None or member.status != "active":
        raise NotAuthenticated(INVALID, code="invalid_token")
    if member.must_change_password:
        raise _password_change_first()
    return member


def revoke(work: Work, token: str) -> None:
    """The token stops working at once; a token that does not work is refused as any other."""
    member = staff_for_token(work, token)
    row = _row(work, token)
    if row is not None:
        row.revoked_at = work.now
        _audit(work, member, "staff.token_revoked", row)


def _audit(work: Work, member: StaffMember, action: str, row: StaffToken) -> None:
    record(
        work.session,
        actor=staff_accounts.actor_of(member),
        action=action,
        entity=("staff", member.id),
        after={"token_id": str(row.id), "expires_at": row.expires_at.isoformat()},
        now=work.now,
    )
