"""Queues emails in the outbox inside the caller's transaction: sent only if the change commits."""

from __future__ import annotations

import uuid
from typing import Any

from subdesk.context import Work
from subdesk.models import Account, OutboxEmail
from subdesk.notifications.render import render


def queue_email(
    work: Work,
    account: Account,
    template: str,
    context: dict[str, Any],
    *,
    dedupe_key: str,
    subscription_id: uuid.UUID | None = None,
) -> OutboxEmail | None:
    """Queue one email for `account` (None when it has no address: a closed account).

    `dedupe_key` names the event the email is about (a payment, a cancellation);
    its unique index refuses a second email for one event.
    """
    if account.email is None:
        return None
    links = _links(work, subscription_id)
    rendered = render(
        template, account.locale, {"name": account.name or account.email, **links, **context}
    )
    message = OutboxEmail(
        dedupe_key=dedupe_key,
        account_id=account.id,
        subscription_id=subscription_id,
        template=template,
        locale=account.locale,
        to_address=account.email,
        subject=rendered.subject,
        body_text=rendered.text,
        body_html=rendered.html,
        status="pending",
        attempts=0,
        next_attempt_at=work.now,
        created_at=work.now,
    )
    work.session.add(message)
    return message


def _links(work: Work, subscription_id: uuid.UUID | None) -> dict[str, str]:
    base = work.settings.public_url.rstrip("/")
    cancel = (
        f"{base}/subscriptions/{subscription_id}/cancel"
        if subscription_id
        else f"{base}/subscriptions"
    )
    return {
        "cancel_url": cancel,
        "contact_url": f"{base}/contact",
        "verify_url": f"{base}/receipts/verify",
    }
