"""Staff accounts: enrol with a password and a TOTP secret, sign in with both, disable."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import timedelta

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import select, update

from subdesk.accounts import rules as account_rules
from subdesk.accounts.passwords import DUMMY_HASH, hash_password, needs_rehash, verify_password
from subdesk.accounts.service import token_digest
from subdesk.audit.log import Actor, record
from subdesk.context import Work
from subdesk.errors import Conflict, InvalidRequest, NotAuthenticated, NotFound
from subdesk.models import StaffMember, StaffSession, StaffToken
from subdesk.support import totp
from subdesk.support.rules import Permission, Role, require

SESSION_HOURS = 12
WRONG = "Wrong email, password or code."


@dataclass(frozen=True, slots=True)
class Enrolment:
    """What the new staff member needs, shown once: never stored in the clear elsewhere."""

    staff: StaffMember
    provisioning_uri: str
    one_time_password: str | None


def actor_of(staff: StaffMember) -> Actor:
    return Actor("staff", str(staff.id))


def _email(text: str) -> str:
    try:
        return validate_email(text.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        raise InvalidRequest("Enter a valid email address.", field="email") from None


def _role(text: str) -> Role:
    try:
        return Role(text)
    except ValueError:
        choices = ", ".join(r.value for r in Role)
        raise InvalidRequest(f"The role is one of {choices}.", field="role") from None


def add_staff(
    work: Work, email: str, name: str, role: str, password: str | None = None
) -> Enrolment:
    """Enrol a staff member; without a password, a one-time one they must change at sign-in."""
    address, chosen = _email(email), _role(role)
    if not name.strip():
        raise InvalidRequest("Give the staff member's name.", field="name")
    if find(work, address) is not None:
        raise Conflict(
            "This email already has a staff account.", code="staff_exists", field="email"
        )
    one_time = None if password else secrets.token_urlsafe(12)
    chosen_password = password or one_time or ""
    account_rules.check_password(chosen_password)
    secret = totp.new_secret()
    staff = StaffMember(
        id=uuid.uuid4(),
        email=address,
        name=name.strip()[:200],
        role=chosen.value,
        password_hash=hash_password(chosen_password),
        totp_secret=secret,
        must_change_password=one_time is not None,
        status="active",
        created_at=work.now,
    )
    work.session.add(staff)
    _audit(work, staff, "staff.added", None, {"role": staff.role, "status": "active"}, None)
    return Enrolment(staff, totp.provisioning_uri(secret, address), one_time)


def find(work: Work, email: str) -> StaffMember | None:
    query = select(StaffMember).where(StaffMember.email == email.strip().lower())
    return work.session.scalars(query).first()


def list_staff(work: Work) -> list[StaffMember]:
    return list(work.session.scalars(select(StaffMember).order_by(StaffMember.email)))


def get(work: Work, staff_id: uuid.UUID) -> StaffMember:
    staff = work.session.get(StaffMember, staff_id)
    if staff is None:
        raise NotFound("No such staff member.", code="staff_not_found")
    return staff


def disable(work: Work, staff: StaffMember, reason: str | None = None) -> None:
    """The staff member cannot sign in any more; every session and API token of theirs ends."""
    if staff.status == "disabled":
        return
    staff.status, staff.disabled_at = "disabled", work.now
    for table in (StaffSession, StaffToken):
        work.session.execute(
            update(table)
            .where(table.staff_id == staff.id, table.revoked_at.is_(None))
            .values(revoked_at=work.now)
        )
    _audit(work, staff, "staff.disabled", {"status": "active"}, {"status": "disabled"}, reason)


def disable_as(work: Work, admin: StaffMember, staff_id: uuid.UUID, reason: str) -> None:
    require(admin.role, Permission.MANAGE_STAFF)
    if staff_id == admin.id:
        raise Conflict("Ask another admin to disable your own account.", code="own_account")
    disable(work, get(work, staff_id), reason)


def authenticate(work: Work, email: str, password: str, code: str) -> StaffMember:
    """The active staff member whose password and TOTP code these are; one error for every
    failure. The code's step is used up: the same code never signs in twice."""
    staff = find(work, email)
    if staff is None or staff.status != "active":
        verify_password(DUMMY_HASH, password)
        raise NotAuthenticated(WRONG, code="invalid_credentials")
    if not verify_password(staff.password_hash, password):
        raise NotAuthenticated(WRONG, code="invalid_credentials")
    step = totp.accepted_step(staff.totp_secret, code, work.now, staff.last_totp_step)
    if step is None:
        raise NotAuthenticated(WRONG, code="invalid_credentials")
    staff.last_totp_step = step
    if needs_rehash(staff.password_hash):
        staff.password_hash = hash_password(password)
    return staff


def sign_in(work: Work, email: str, password: str, code: str) -> str:
    """Check the password and the TOTP code; a session token. One error for every failure."""
    staff = authenticate(work, email, password, code)
    token = secrets.token_urlsafe(32)
    work.session.add(
        StaffSession(
            staff_id=staff.id,
            token_hash=token_digest(token),
            created_at=work.now,
            expires_at=work.now + timedelta(hours=SESSION_HOURS),
        )
    )
    _audit(work, staff, "staff.signed_in", None, None, None)
    return token


def staff_for_token(work: Work, token: str) -> StaffMember:
    query = select(StaffSession).where(StaffSession.token_hash == token_digest(token))
    row = work.session.scalars(query).first()
    if row is None or row.revoked_at is not None or row.expires_at <= work.now:
        raise NotAuthenticated("Sign in again.", code="staff_sign_in_needed")
    staff = work.session.get(StaffMember, row.staff_id)
    if staff is None or staff.status != "active":
        raise NotAuthenticated("Sign in again.", code="staff_sign_in_needed")
    return staff


def sign_out(work: Work, token: str) -> None:
    query = select(StaffSession).where(StaffSession.token_hash == token_digest(token))
    row = work.session.scalars(query).first()
    if row is not None and row.revoked_at is None:
        row.revoked_at = work.now


def change_password(work: Work, staff: StaffMember, current: str, new: str) -> None:
    if not verify_password(staff.password_hash, current):
        raise InvalidRequest("The current password is wrong.", field="current")
    if current == new:
        raise InvalidRequest("Choose a password you have not used here.", field="password")
    try:
        account_rules.check_password(new)
    except InvalidRequest as error:
        raise InvalidRequest(error.message, field="password") from None
    staff.password_hash, staff.must_change_password = hash_password(new), False
    _audit(work, staff, "staff.password_changed", None, None, None)


def _audit(
    work: Work,
    staff: StaffMember,
    action: str,
    before: dict[str, str] | None,
    after: dict[str, str] | None,
    reason: str | None,
) -> None:
    actor = work.actor if action != "staff.signed_in" else actor_of(staff)
    record(
        work.session,
        actor=actor,
        action=action,
        entity=("staff", staff.id),
        before=before,
        after=after,
        reason=reason,
        now=work.now,
    )
