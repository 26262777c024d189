"""The subscription state machine: every allowed transition, and nothing else.

trialing ──convert──▶ active ──payment_failed──▶ past_due ──recover──▶ active
   │                    │  ▲                        │
   │                    │  └──────resume──────┐     │
   │                    ├──suspend──▶ suspended     │
   └──────────┬─────────┴────────────┬──────────────┘
           cancel                 expire
              ▼                      ▼
          canceled               expired          (both final)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from subdesk.errors import Conflict


class Status(StrEnum):
    TRIALING = "trialing"
    ACTIVE = "active"
    PAST_DUE = "past_due"
    SUSPENDED = "suspended"
    CANCELED = "canceled"
    EXPIRED = "expired"


class Transition(StrEnum):
    CONVERT = "convert"  # a trial's first paid period began
    RENEW = "renew"
    PAYMENT_FAILED = "payment_failed"
    RECOVER = "recover"  # a retried charge went through
    SUSPEND = "suspend"
    RESUME = "resume"
    CANCEL = "cancel"
    EXPIRE = "expire"


FINAL = frozenset({Status.CANCELED, Status.EXPIRED})
LIVE = frozenset({Status.TRIALING, Status.ACTIVE, Status.PAST_DUE, Status.SUSPENDED})

TRANSITIONS: dict[tuple[Status, Transition], Status] = {
    (Status.TRIALING, Transition.CONVERT): Status.ACTIVE,
    (Status.ACTIVE, Transition.RENEW): Status.ACTIVE,
    (Status.TRIALING, Transition.PAYMENT_FAILED): Status.PAST_DUE,
    (Status.ACTIVE, Transition.PAYMENT_FAILED): Status.PAST_DUE,
    (Status.PAST_DUE, Transition.PAYMENT_FAILED): Status.PAST_DUE,
    (Status.PAST_DUE, Transition.RECOVER): Status.ACTIVE,
    (Status.TRIALING, Transition.SUSPEND): Status.SUSPENDED,
    (Status.ACTIVE, Transition.SUSPEND): Status.SUSPENDED,
    (Status.PAST_DUE, Transition.SUSPEND): Status.SUSPENDED,
    (Status.SUSPENDED, Transition.RESUME): Status.ACTIVE,
    **{(status, Transition.CANCEL): Status.CANCELED for status in LIVE},
    **{(status, Transition.EXPIRE): Status.EXPIRED for status in LIVE},
}


class IllegalTransition(Conflict):
    code = "illegal_transition"


def next_status(current: Status, transition: Transition) -> Status:
    """The status `transition` leads to from `current`; refused with a clear error otherwise."""
    try:
        return TRANSITIONS[(current, transition)]
    except KeyError:
        raise IllegalTransition(
            f"a {current.value} subscription cannot {transition.value}", field="status"
        ) from None


def can_change_auto_renew(status: Status) -> bool:
    return status in LIVE


@dataclass(frozen=True, slots=True)
class Entitlement:
    """Whether the customer is protected right now, and until when."""

    protected: bool
    until: datetime | None


def entitlement(
    status: Status, period_end: datetime, access_ends_at: datetime | None, now: datetime
) -> Entitlement:
    """Live subscriptions protect to the period end (or the earlier end they were given: an
    add-on ending with its main plan); a canceled one until its access ends."""
    if status in (Status.TRIALING, Status.ACTIVE, Status.PAST_DUE):
        return Entitlement(True, min(period_end, access_ends_at or period_end))
    if status is Status.CANCELED and access_ends_at is not None and now < access_ends_at:
        return Entitlement(True, access_ends_at)
    return Entitlement(False, None)


class PlanChange(StrEnum):
    UPGRADE_NOW = "upgrade_now"
    AT_PERIOD_END = "at_period_end"


@dataclass(frozen=True, slots=True)
class PlanTerms:
    """What a plan change compares: seats, services, period, price and currency."""

    seats: int
    services: frozenset[str]
    period: str
    renewal_price: int
    currency: str


def classify_plan_change(old: PlanTerms, new: PlanTerms) -> PlanChange:
    """More seats or services in the same period and currency: now; anything else: at renewal."""
    if old == new:
        raise IllegalTransition("That is already the plan.", code="same_plan", field="plan_id")
    comparable = old.period == new.period and old.currency == new.currency
    grows = new.seats >= old.seats and new.services >= old.services
    bigger = new.seats > old.seats or new.services > old.services
    if comparable and grows and bigger and new.renewal_price >= old.renewal_price:
        return PlanChange.UPGRADE_NOW
    return PlanChange.AT_PERIOD_END


def prorated_charge(
    old_price: int, new_price: int, period_start: datetime, period_end: datetime, now: datetime
) -> int:
    """The price difference for the unused part of the period, rounded down to a minor unit."""
    total = (period_end - period_start).total_seconds()
    remaining = min(total, max(0.0, (period_end - now).total_seconds()))
    if total <= 0 or new_price <= old_price:
        return 0
    # Whole seconds keep the arithmetic in integers.
    return (new_price - old_price) * int(remaining) // int(total)
