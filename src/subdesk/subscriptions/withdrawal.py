"""Withdrawing from a contract (EU, 14 days): cancelled now, everything paid refunded."""

from __future__ import annotations

import uuid
from datetime import datetime

from subdesk.compliance.withdrawal import withdrawal_open
from subdesk.context import Work
from subdesk.errors import Conflict
from subdesk.models import Account, Cancellation, Subscription
from subdesk.subscriptions import cancellation, repository
from subdesk.subscriptions.cancellation import When
from subdesk.subscriptions.rules import LIVE

REASON = "Withdrawal from the contract (EU, 14 days)"


def can_withdraw(account: Account, subscription: Subscription, now: datetime) -> bool:
    """Bought here, still running, and inside the customer's withdrawal period."""
    return (
        subscription.channel == "direct"
        and subscription.status in LIVE
        and withdrawal_open(account.country, subscription.started_at, now)
    )


def check_withdrawal_open(account: Account, subscription: Subscription, now: datetime) -> None:
    if not can_withdraw(account, subscription, now):
        raise Conflict(
            "The withdrawal period of this contract is over; you can still cancel it.",
            code="withdrawal_closed",
        )


def withdraw(work: Work, account: Account, subscription_id: uuid.UUID) -> Cancellation:
    subscription = repository.get_owned(work.session, account.id, subscription_id)
    check_withdrawal_open(account, subscription, work.now)
    return cancellation.cancel(work, account.id, subscription.id, When.NOW, REASON, withdrawal=True)
