"""Queues emails in the outbox inside the caller's transaction: sent only if the change commits."""

from __future__ import annotations

import uuid
from typing import Any

from subdesk.context import Work
from subdesk.db import append_row
from subdesk.models import Account, OutboxEmail
from subdesk.notifications.formatting import localise
from subdesk.notifications.render import render
from subdesk.operations.logging import current_request_id


def queue_email(
    work: Work,
    account: Account,
    template: str,
    context: dict[str, Any],
    *,
    dedupe_key: str,
    subscription_id: uuid.UUID | None = None,
) -> uuid.UUID | None:
    """Queue one email for `account` (None when it has no address: a closed account).

    `dedupe_key` names the event the email is about (a payment, a cancellation);
    its unique index refuses a second email for one event.
    """
    if account.email is None:
        return None
    return queue_email_to(
        work,
        account.email,
        account.locale,
        template,
        {"name": account.name or account.email, **context},
        dedupe_key=dedupe_key,
        account_id=account.id,
        subscription_id=subscription_id,
    )


def queue_email_to(
    work: Work,
    address: str,
    locale: str,
    template: str,
    context: dict[str, Any],
    *,
    dedupe_key: str,
    account_id: uuid.UUID | None = None,
    subscription_id: uuid.UUID | None = None,
) -> uuid.UUID:
    """Queue one email to an address, with or without an account behind it."""
    context = {"name": address, **_links(work, subscription_id), **context}
    email_id = uuid.uuid4()
    row = dict(
        id=email_id,
        dedupe_key=dedupe_key,
        account_id=account_id,
        subscription_id=subscription_id,
        template=template,
        locale=locale,
        to_address=address,
        context=context,
        status="pending",
        attempts=0,
        next_attempt_at=work.now,
        created_at=work.now,
        request_id=current_request_id(),
    )
    append_row(work.session, OutboxEmail, row)
    return email_id


def render_row(row: OutboxEmail) -> None:
    """Put a queued email into words, once; the row then keeps exactly what was sent."""
    if row.subject is not None or row.context is None:
        return
    rendered = render(row.template, row.locale, localise(row.context, row.locale))
    row.subject, row.body_text, row.body_html = rendered.subject, rendered.text, rendered.html


def _links(work: Work, subscription_id: uuid.UUID | None) -> dict[str, str]:
    base = work.settings.public_url.rstrip("/")
    cancel = (
        f"{base}/account/subscriptions/{subscription_id}/cancel"
        if subscription_id
        else f"{base}/account"
    )
    return {
        "cancel_url": cancel,
        "contact_url": f"{base}/help",
        "verify_url": f"{base}/receipts/verify",
    }
