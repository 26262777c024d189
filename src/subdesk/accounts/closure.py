"""Closing an account: cancel everything, remove cards, erase personal data, keep the books.

Payments, invoices, refunds, cancellations, consents and audit events stay (the
law asks for financial and consent records); they refer to the account only by
its random id, so once the email and name are gone they are pseudonymous.
"""

from __future__ import annotations

import uuid

from sqlalchemy import select

from subdesk.accounts.billing_address import erase_billing_address
from subdesk.accounts.service import revoke_all_tokens
from subdesk.audit.log import audit
from subdesk.context import Work
from subdesk.errors import Conflict
from subdesk.models import Account, PaymentMethod
from subdesk.subscriptions import repository
from subdesk.subscriptions.cancellation import When, cancel
from subdesk.subscriptions.rules import FINAL


def close_account(work: Work, account: Account, reason: str | None) -> list[str]:
    """Close `account`; returns the ids of the cancellations it made."""
    if account.closed_at is not None:
        raise Conflict("This account is already closed.", code="account_closed")
    cancellations = _cancel_everything(work, account.id, reason or "account closed")
    _remove_cards(work, account.id)
    erase_billing_address(work, account.id)
    revoke_all_tokens(work, account.id)
    account.email = None
    account.name = None
    account.password_hash = None
    account.closed_at = work.now
    audit(
        work,
        action="account.closed",
        entity=("account", account.id),
        account_id=account.id,
        before={"closed": False},
        after={"closed": True, "personal_data": "erased", "cancellations": cancellations},
        reason=reason,
    )
    return cancellations


def _cancel_everything(work: Work, account_id: uuid.UUID, reason: str) -> list[str]:
    """Cancel now every subscription still running; a main one's add-ons end with it."""
    done: list[str] = []
    for sub in repository.list_owned(work.session, account_id):
        if sub.status in FINAL:  # ended before, or just now with its main subscription
            continue
        cancellation = cancel(work, account_id, sub.id, When.NOW, reason)
        ended = repository.addon_cancellations(work.session, cancellation.id)
        done += [cancellation.public_id, *(c.public_id for c in ended)]
    return done


def _remove_cards(work: Work, account_id: uuid.UUID) -> None:
    methods = work.session.scalars(
        select(PaymentMethod).where(
            PaymentMethod.account_id == account_id, PaymentMethod.removed_at.is_(None)
        )
    )
    for method in methods:
        method.removed_at = work.now
        method.gateway_token = "removed"  # noqa: S105 - the card token is forgotten, not a secret
