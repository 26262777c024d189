"""What the renewal rules read and write of a subscription: its ORM row, or a plain copy.

The worker renews a batch from plain copies of the claimed rows and writes them
back with one UPDATE statement per batch; every other caller passes the ORM row.
Both satisfy this protocol, so one set of rules serves both.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Protocol


class SubscriptionState(Protocol):
    id: uuid.UUID
    account_id: uuid.UUID
    plan_id: uuid.UUID
    payment_method_id: uuid.UUID | None
    channel: str
    status: str
    auto_renew: bool
    started_at: datetime
    trial_ends_at: datetime | None
    anchor_at: datetime
    period_number: int
    current_period_start: datetime
    current_period_end: datetime
    access_ends_at: datetime | None
    canceled_at: datetime | None
    pending_plan_id: uuid.UUID | None
    main_subscription_id: uuid.UUID | None
    next_action_at: datetime | None
    grace_ends_at: datetime | None
    retries_left: int
    failed_attempts: int
    agreed_price_minor: int | None
    next_notice_at: datetime | None
    updated_at: datetime
