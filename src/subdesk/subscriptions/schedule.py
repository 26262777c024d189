"""When the worker acts on a subscription, and what it does then: renew, retry, end or expire.

Dunning: a failed renewal at the period end T makes the subscription past_due
with a grace period; soft declines are retried at T + each retry offset (default
1, 3 and 7 days); hard declines (expired or stolen card) are not retried and
wait for a new card until the grace period ends. Then it expires.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from subdesk.subscriptions.rules import Status


class Due(StrEnum):
    RENEW = "renew"  # charge the next period (or a retry while past due)
    END = "end"  # auto-renew is off: the subscription ends at its period end
    EXPIRE = "expire"  # grace is over without a payment
    NOTHING = "nothing"


@dataclass(frozen=True, slots=True)
class DunningPolicy:
    retry_days: tuple[int, ...] = (1, 3, 7)

    @property
    def grace(self) -> timedelta:
        return timedelta(days=max(self.retry_days, default=0))


@dataclass(frozen=True, slots=True)
class AfterFailure:
    next_action_at: datetime
    grace_ends_at: datetime
    retries_left: int


def due_action(
    status: Status,
    auto_renew: bool,
    retries_left: int,
    grace_ends_at: datetime | None,
    now: datetime,
) -> Due:
    """What the worker does with a subscription whose next action time has come."""
    if status is Status.PAST_DUE:
        if not auto_renew:
            return Due.END
        if retries_left > 0:
            return Due.RENEW
        return Due.EXPIRE if grace_ends_at is None or now >= grace_ends_at else Due.NOTHING
    if status in (Status.TRIALING, Status.ACTIVE):
        return Due.RENEW if auto_renew else Due.END
    return Due.NOTHING


def after_failure(
    policy: DunningPolicy, period_end: datetime, retries_left: int | None, hard: bool, now: datetime
) -> AfterFailure:
    """Schedule what follows a failed attempt (`retries_left` is None after the first)."""
    grace_end = period_end + policy.grace
    remaining = len(policy.retry_days) if retries_left is None else retries_left - 1
    if hard or remaining <= 0:
        return AfterFailure(max(grace_end, now), grace_end, 0)
    offset = policy.retry_days[len(policy.retry_days) - remaining]
    return AfterFailure(period_end + timedelta(days=offset), grace_end, remaining)
