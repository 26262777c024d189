"""The transfer limit: a subscription moves its seats to other devices only so often.

Releases are read from the audit log, not from `devices.removed_at`: that column is
cleared when a removed device comes back (so a seat passed back and forth between two
devices would leave no trace there), and it does not tell a release by the customer or
the app from a stale device culled by the worker (`device.culled`, never a transfer).
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy import select

from subdesk.context import Work
from subdesk.errors import Conflict
from subdesk.licensing.rules import TransferPolicy, next_transfer_at
from subdesk.models import AuditEvent
from subdesk.notifications.formatting import format_moment

RELEASED = "device.removed"  # by the customer, an agent or the app; culls are `device.culled`


class TransferLimitReached(Conflict):
    code = "transfer_limit"

    def __init__(self, policy: TransferPolicy, next_at: datetime) -> None:
        days = policy.window.days
        super().__init__(
            f"This subscription has moved its seats to other devices {policy.limit} times in "
            f"the last {days} days, the most allowed. The next move is possible from "
            f"{format_moment(next_at, 'en')}.",
            field="subscription_id",
        )
        self.next_at = next_at


def policy_of(work: Work) -> TransferPolicy:
    settings = work.settings
    return TransferPolicy(
        settings.transfers_per_period, timedelta(days=settings.transfer_window_days)
    )


def check_transfer_allowed(work: Work, subscription_id: uuid.UUID) -> None:
    """Refuse a device taking a seat when the subscription has released too many lately."""
    policy = policy_of(work)
    next_at = next_transfer_at(_releases(work, subscription_id, policy), work.now, policy)
    if next_at is not None:
        raise TransferLimitReached(policy, next_at)


def _releases(work: Work, subscription_id: uuid.UUID, policy: TransferPolicy) -> list[datetime]:
    query = select(AuditEvent.occurred_at).where(
        AuditEvent.subscription_id == subscription_id,
        AuditEvent.action == RELEASED,
        AuditEvent.occurred_at > work.now - policy.window,
    )
    return list(work.session.scalars(query))
