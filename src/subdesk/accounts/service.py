"""Account use cases: sign up, sign in with a bearer token, and resolve a token to its account."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from subdesk.accounts import rules
from subdesk.accounts.passwords import DUMMY_HASH, hash_password, needs_rehash, verify_password
from subdesk.audit.log import Actor, audit, record
from subdesk.context import Work
from subdesk.errors import NotAuthenticated
from subdesk.models import Account, ApiToken
from subdesk.notifications.messages import sign_up_attempted, welcome


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def sign_up(
    work: Work,
    *,
    email: str,
    password: str,
    name: str | None,
    country: str,
    region: str | None,
    locale: str | None,
) -> Account | None:
    """Create the account and welcome it by email; or, when the address already has one,
    leave that account as it is and tell its owner by email (None). Callers answer both
    the same way, so sign-up never tells who is a customer.

    Everything typed is checked first and the password hashed (64 MiB of Argon2) only for
    an account that is really made."""
    rules.check_password(password)
    email = email.strip().lower()
    country = rules.normalise_country(country)
    region = rules.normalise_region(country, region)
    locale = rules.normalise_locale(locale)
    existing = find_by_email(work.session, email)
    if existing is not None:
        sign_up_attempted(work, existing)
        return None
    account = Account(
        email=email,
        password_hash=hash_password(password),
        name=name,
        country=country,
        region=region,
        locale=locale,
        created_at=work.now,
    )
    work.session.add(account)
    work.session.flush()
    welcome(work, account)
    record(
        work.session,
        actor=Actor.customer(account.id),
        action="account.created",
        entity=("account", account.id),
        account_id=account.id,
        after={"country": account.country, "region": account.region, "locale": account.locale},
        now=work.now,
    )
    return account


def find_by_email(session: Session, email: str) -> Account | None:
    query = select(Account).where(func.lower(Account.email) == email.strip().lower())
    return session.scalars(query).first()


def issue_token(work: Work, *, email: str, password: str) -> tuple[str, ApiToken]:
    """Check the password and issue a bearer token; the same error for every failure."""
    account = find_by_email(work.session, email)
    if account is None or account.closed_at is not None or account.password_hash is None:
        verify_password(DUMMY_HASH, password)
        raise NotAuthenticated("Wrong email or password.", code="invalid_credentials")
    if not verify_password(account.password_hash, password):
        raise NotAuthenticated("Wrong email or password.", code="invalid_credentials")
    if needs_rehash(account.password_hash):
        account.password_hash = hash_password(password)
    token = secrets.token_urlsafe(32)
    row = ApiToken(
        account_id=account.id,
        token_hash=token_digest(token),
        created_at=work.now,
        expires_at=work.now + timedelta(days=work.settings.token_ttl_days),
    )
    work.session.add(row)
    return token, row


def account_for_token(work: Work, token: str) -> Account:
    query = (
        select(ApiToken, Account)
        .join(Account, Account.id == ApiToken.account_id)
        .where(ApiToken.token_hash == token_digest(token))
    )  # one round trip: every customer request starts here
    found = work.session.execute(query).first()
    if found is None:
        raise NotAuthenticated("Sign in again: this token is not valid.", code="invalid_token")
    row, account = found
    if row.revoked_at is not None or row.expires_at <= work.now or account.closed_at is not None:
        raise NotAuthenticated("Sign in again: this token is not valid.", code="invalid_token")
    return account


def revoke_token(work: Work, token: str) -> None:
    """Sign out: the token stops working at once."""
    query = select(ApiToken).where(ApiToken.token_hash == token_digest(token))
    row = work.session.scalars(query).first()
    if row is not None and row.revoked_at is None:
        row.revoked_at = work.now


def revoke_all_tokens(work: Work, account_id: uuid.UUID) -> None:
    """Sign out everywhere: every session and API token of the account stops working."""
    work.session.execute(
        update(ApiToken)
        .where(ApiToken.account_id == account_id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=work.now)
    )


def invited_account(
    work: Work, *, email: str, name: str | None, country: str, locale: str | None
) -> Account:
    """An account made for a customer by a partner: no password until they choose one."""
    email = email.strip().lower()
    country = rules.normalise_country(country)
    account = Account(
        email=email,
        password_hash=None,
        name=name,
        country=country,
        region=None,
        locale=rules.normalise_locale(locale),
        created_at=work.now,
    )
    work.session.add(account)
    work.session.flush()
    audit(
        work,
        action="account.created",
        entity=("account", account.id),
        account_id=account.id,
        after={"country": account.country, "locale": account.locale, "invited": True},
    )
    return account
