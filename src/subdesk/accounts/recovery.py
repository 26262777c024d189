"""Password reset by email: a one-time link, valid for an hour, that signs out everywhere.

Asking for a link answers the same whether or not the address has an account, so the
form cannot be used to find out who is a customer.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from sqlalchemy import select

from subdesk.accounts import rules
from subdesk.accounts.passwords import hash_password
from subdesk.accounts.service import find_by_email, revoke_all_tokens, token_digest
from subdesk.audit.log import Actor, record
from subdesk.context import Work
from subdesk.errors import InvalidRequest
from subdesk.models import Account, PasswordReset
from subdesk.notifications.messages import invitation, password_reset_link

LINK_VALID_FOR = timedelta(hours=1)
INVITATION_VALID_FOR = timedelta(days=7)


def request_reset(work: Work, email: str) -> None:
    """Email a reset link if `email` belongs to an open account; silent otherwise."""
    account = find_by_email(work.session, email)
    if account is None or account.closed_at is not None:
        return
    token = secrets.token_urlsafe(32)
    row = PasswordReset(
        account_id=account.id,
        token_hash=token_digest(token),
        created_at=work.now,
        expires_at=work.now + LINK_VALID_FOR,
    )
    work.session.add(row)
    work.session.flush()
    password_reset_link(work, account, token, str(row.id), row.expires_at)


def invite(work: Work, account: Account, partner_name: str) -> None:
    """Email a new customer of a partner a link to choose a password (valid a week)."""
    token = secrets.token_urlsafe(32)
    row = PasswordReset(
        account_id=account.id,
        token_hash=token_digest(token),
        created_at=work.now,
        expires_at=work.now + INVITATION_VALID_FOR,
    )
    work.session.add(row)
    work.session.flush()
    invitation(work, account, token, str(row.id), row.expires_at, partner_name)


def _valid(work: Work, token: str) -> tuple[PasswordReset, Account]:
    row = work.session.scalars(
        select(PasswordReset).where(PasswordReset.token_hash == token_digest(token))
    ).first()
    account = work.session.get(Account, row.account_id) if row else None
    if (
        row is None
        or account is None
        or row.used_at is not None
        or row.expires_at <= work.now
        or account.closed_at is not None
    ):
        raise InvalidRequest(
            "This link has expired or was already used. Ask for a new one.",
            code="reset_link_invalid",
            field="token",
        )
    return row, account


def check_link(work: Work, token: str) -> None:
    """Refuse an expired, used or unknown link before the new password is typed."""
    _valid(work, token)


def reset_password(work: Work, token: str, password: str) -> Account:
    """Set the new password, use up the link, and sign out every session and app token."""
    row, account = _valid(work, token)
    rules.check_password(password)
    account.password_hash = hash_password(password)
    row.used_at = work.now
    revoke_all_tokens(work, account.id)
    record(
        work.session,
        actor=Actor.customer(account.id),
        action="account.password_reset",
        entity=("account", account.id),
        account_id=account.id,
        after={"sessions": "signed out"},
        now=work.now,
    )
    return account
