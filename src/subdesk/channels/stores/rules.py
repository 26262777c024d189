"""What a store notification means for a subscription, whatever order notifications arrive in.

Each notification is read as an `Observation` at its event time: what the store
says about the phase (active, grace, on hold, expired, revoked), the expiry and
the auto-renew flag. `merge` folds it into the `StoreState` field by field, and
a field only ever takes the word of a newer event; the expiry only moves forward.
So merging the same notifications in any order, or twice, gives the same state,
and a notification older than what we know changes nothing. `target` turns the
state into the subscription's status and dates; `step` says which transition of
the state machine (subscriptions/rules.py) gets it there and how it is audited.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from subdesk.subscriptions.periods import Period, period_bounds
from subdesk.subscriptions.rules import FINAL, LIVE, Status, Transition
from subdesk.text import is_ascii_digits

# Past the store's expiry without word of a renewal, the worker ends the subscription.
EXPIRY_SLACK = timedelta(days=1)
# A store keeps retrying a failed renewal this long (Apple up to 60 days, Google's hold
# up to 60 days) and may still recover it, so the worker waits that long in past_due.
RETRY_WINDOW = timedelta(days=60)


class Phase(StrEnum):
    ACTIVE = "active"
    GRACE = "grace"  # renewal failed, the store still gives access
    ON_HOLD = "on_hold"  # renewal failed, billing retry without access
    EXPIRED = "expired"
    REVOKED = "revoked"  # refunded or revoked by the store


# When two events of the same instant disagree, the more final one wins (never by arrival).
RANK = {Phase.ACTIVE: 0, Phase.GRACE: 1, Phase.ON_HOLD: 2, Phase.EXPIRED: 3, Phase.REVOKED: 4}


@dataclass(frozen=True, slots=True)
class Observation:
    """What one notification says, as of its event time; None where it says nothing."""

    at: datetime
    phase: Phase | None = None
    expires_at: datetime | None = None
    auto_renew: bool | None = None
    grace_until: datetime | None = None
    # Google sends no expiry: a (re)new period then starts at the event, one plan period long.
    period_starts: bool = False


@dataclass(frozen=True, slots=True)
class StoreState:
    phase: Phase | None = None
    phase_at: datetime | None = None
    grace_until: datetime | None = None
    expires_at: datetime | None = None
    auto_renew: bool | None = None
    auto_renew_at: datetime | None = None
    last_event_at: datetime | None = None


def with_expiry(observation: Observation, period: Period | None) -> Observation:
    """Fill in the expiry of a period that starts at the event (Google) from the plan's period."""
    if not observation.period_starts or observation.expires_at or period is None:
        return observation
    return replace(observation, expires_at=period_bounds(observation.at, period, 1)[1])


def merge(state: StoreState, seen: Observation) -> StoreState:
    """`state` updated with what `seen` says wherever nothing newer said otherwise."""
    merged = state
    if _newer_phase(state, seen):
        merged = replace(merged, phase=seen.phase, phase_at=seen.at, grace_until=seen.grace_until)
    elif seen.phase is not None and (seen.at, seen.phase) == (state.phase_at, state.phase):
        merged = replace(merged, grace_until=_latest(state.grace_until, seen.grace_until))
    if seen.auto_renew is not None and _newer_flag(state, seen):
        merged = replace(merged, auto_renew=seen.auto_renew, auto_renew_at=seen.at)
    return replace(
        merged,
        expires_at=_latest(state.expires_at, seen.expires_at),
        last_event_at=_latest(state.last_event_at, seen.at),
    )


def _newer_phase(state: StoreState, seen: Observation) -> bool:
    if seen.phase is None:
        return False
    if state.phase is None or state.phase_at is None:
        return True
    return (seen.at, RANK[seen.phase]) > (state.phase_at, RANK[state.phase])


def _newer_flag(state: StoreState, seen: Observation) -> bool:
    if state.auto_renew is None or state.auto_renew_at is None:
        return True
    # At the same instant "off" wins, so the result never depends on arrival order.
    return (seen.at, not seen.auto_renew) > (state.auto_renew_at, not state.auto_renew)


def _latest(a: datetime | None, b: datetime | None) -> datetime | None:
    return b if a is None else a if b is None else max(a, b)


@dataclass(frozen=True, slots=True)
class Target:
    """The subscription as the store state says it should be."""

    status: Status
    period_end: datetime
    auto_renew: bool
    grace_ends_at: datetime | None
    access_ends_at: datetime | None
    next_action_at: datetime | None


def target(state: StoreState) -> Target | None:
    """None while the store has not said enough (no phase or no expiry yet)."""
    if state.phase is None or state.expires_at is None or state.phase_at is None:
        return None
    end, auto_renew = state.expires_at, state.auto_renew is not False
    if state.phase is Phase.ACTIVE:
        access_ends = None if auto_renew else end
        return Target(Status.ACTIVE, end, auto_renew, None, access_ends, end + EXPIRY_SLACK)
    if state.phase in (Phase.GRACE, Phase.ON_HOLD):
        grace = state.grace_until or end
        if state.phase is Phase.ON_HOLD:
            grace = min(grace, state.phase_at)  # the grace is over once on hold
        retry_until = max(end, grace) + RETRY_WINDOW + EXPIRY_SLACK
        return Target(Status.PAST_DUE, end, auto_renew, grace, None, retry_until)
    if state.phase is Phase.EXPIRED:
        return Target(Status.EXPIRED, end, False, None, min(end, state.phase_at), None)
    return Target(Status.CANCELED, end, False, None, min(end, state.phase_at), None)


@dataclass(frozen=True, slots=True)
class Step:
    """How a subscription reaches its target: the transition (if any), the audit action and
    the webhook the direct channel would send for the same change."""

    transition: Transition | None
    action: str
    webhook: str | None = None
    new_period: bool = False


RESTART = Step(None, "subscription.created", "subscription.created")


def step(current: Status, period_end: datetime, auto_renew: bool, goal: Target) -> Step | None:
    """None when there is nothing to do. A step without a transition keeps the status and
    only copies dates and flags. A final subscription the store reports live with a later
    expiry (a resubscription) becomes a new subscription: `RESTART`."""
    if current in FINAL:
        return RESTART if goal.status in LIVE and goal.period_end > period_end else None
    if goal.status is Status.ACTIVE:
        return _to_active(current, period_end, auto_renew, goal)
    if goal.status is Status.PAST_DUE:
        if current is Status.PAST_DUE:
            return Step(None, "subscription.payment_failed")
        return Step(Transition.PAYMENT_FAILED, "subscription.payment_failed", "payment.failed")
    if goal.status is Status.EXPIRED:
        return Step(Transition.EXPIRE, "subscription.expired", "subscription.expired")
    return Step(Transition.CANCEL, "subscription.canceled", "subscription.canceled")


def _to_active(
    current: Status, period_end: datetime, auto_renew: bool, goal: Target
) -> Step | None:
    renewed = goal.period_end > period_end
    if current is Status.PAST_DUE:
        return Step(Transition.RECOVER, "subscription.renewed", "subscription.renewed", renewed)
    if current is Status.TRIALING:
        return Step(Transition.CONVERT, "subscription.renewed", "subscription.renewed", renewed)
    if current is Status.SUSPENDED:
        return Step(Transition.RESUME, "subscription.resumed", None, renewed)
    if renewed:
        return Step(Transition.RENEW, "subscription.renewed", "subscription.renewed", True)
    if goal.auto_renew != auto_renew:
        flag = "enabled" if goal.auto_renew else "disabled"
        return Step(None, f"subscription.auto_renew_{flag}")
    return None


@dataclass(frozen=True, slots=True)
class StoreNotice:
    """One verified store notification, reduced to what subdesk needs (no personal data)."""

    store: str  # "apple" | "google"
    notification_id: str
    kind: str
    event_at: datetime
    store_key: str | None  # Apple's original transaction id, Google's purchase token
    product_id: str | None
    account_id: uuid.UUID | None  # Apple's appAccountToken, which our app sets to the account
    observation: Observation | None  # None: nothing to mirror (a test, an unmapped type)


# Apple App Store Server Notifications v2: the phase each notification type means.
APPLE_PHASES = {
    "SUBSCRIBED": Phase.ACTIVE,
    "DID_RENEW": Phase.ACTIVE,
    "OFFER_REDEEMED": Phase.ACTIVE,
    "RENEWAL_EXTENDED": Phase.ACTIVE,
    "REFUND_REVERSED": Phase.ACTIVE,
    "GRACE_PERIOD_EXPIRED": Phase.ON_HOLD,
    "EXPIRED": Phase.EXPIRED,
    "REFUND": Phase.REVOKED,
    "REVOKE": Phase.REVOKED,
}
# The `status` Apple adds to every notification, for the types that do not imply a phase.
APPLE_STATUS = {
    1: Phase.ACTIVE,
    2: Phase.EXPIRED,
    3: Phase.ON_HOLD,
    4: Phase.GRACE,
    5: Phase.REVOKED,
}


def apple_observation(
    at: datetime,
    kind: str,
    subtype: str | None,
    status: int | None,
    *,
    expires_at: datetime | None,
    auto_renew: bool | None,
    grace_until: datetime | None,
) -> Observation | None:
    """What an Apple notification says; its transaction and renewal info give the dates."""
    if kind == "TEST":
        return None
    if kind == "DID_FAIL_TO_RENEW":
        phase: Phase | None = Phase.GRACE if subtype == "GRACE_PERIOD" else Phase.ON_HOLD
    else:
        phase = APPLE_PHASES.get(kind) or APPLE_STATUS.get(status or 0)
    if kind == "DID_CHANGE_RENEWAL_STATUS" and subtype in (
        "AUTO_RENEW_ENABLED",
        "AUTO_RENEW_DISABLED",
    ):
        auto_renew = subtype == "AUTO_RENEW_ENABLED"
    if phase is Phase.REVOKED:
        auto_renew = False
    grace = grace_until if phase in (Phase.GRACE, Phase.ON_HOLD) else None
    return Observation(at, phase, expires_at, auto_renew, grace)


# Google Play real-time developer notifications: subscriptionNotification.notificationType.
GOOGLE_TYPES = {
    1: "SUBSCRIPTION_RECOVERED",
    2: "SUBSCRIPTION_RENEWED",
    3: "SUBSCRIPTION_CANCELED",
    4: "SUBSCRIPTION_PURCHASED",
    5: "SUBSCRIPTION_ON_HOLD",
    6: "SUBSCRIPTION_IN_GRACE_PERIOD",
    7: "SUBSCRIPTION_RESTARTED",
    8: "SUBSCRIPTION_PRICE_CHANGE_CONFIRMED",
    9: "SUBSCRIPTION_DEFERRED",
    10: "SUBSCRIPTION_PAUSED",
    11: "SUBSCRIPTION_PAUSE_SCHEDULE_CHANGED",
    12: "SUBSCRIPTION_REVOKED",
    13: "SUBSCRIPTION_EXPIRED",
    19: "SUBSCRIPTION_PRICE_CHANGE_UPDATED",
    20: "SUBSCRIPTION_PENDING_PURCHASE_CANCELED",
}
GOOGLE_VOIDED = "VOIDED_PURCHASE"  # voidedPurchaseNotification of a subscription: refunded


def google_observation(at: datetime, kind: str, grace: timedelta) -> Observation | None:
    """What a Google notification says. It carries no expiry: a purchase, renewal or
    recovery starts a period at the event; a grace period lasts the app's configured days."""
    started = Observation(at, Phase.ACTIVE, auto_renew=True, period_starts=True)
    observations = {
        "SUBSCRIPTION_PURCHASED": started,
        "SUBSCRIPTION_RENEWED": started,
        "SUBSCRIPTION_RECOVERED": started,
        "SUBSCRIPTION_CANCELED": Observation(at, auto_renew=False),
        "SUBSCRIPTION_RESTARTED": Observation(at, auto_renew=True),
        "SUBSCRIPTION_IN_GRACE_PERIOD": Observation(at, Phase.GRACE, grace_until=at + grace),
        "SUBSCRIPTION_ON_HOLD": Observation(at, Phase.ON_HOLD),
        "SUBSCRIPTION_EXPIRED": Observation(at, Phase.EXPIRED),
        "SUBSCRIPTION_REVOKED": Observation(at, Phase.REVOKED, auto_renew=False),
        GOOGLE_VOIDED: Observation(at, Phase.REVOKED, auto_renew=False),
    }
    return observations.get(kind)


def plan_code_for(product_id: str, products: dict[str, str]) -> str:
    """Our plan code for a store product: the configured mapping, else the product id itself."""
    return products.get(product_id, product_id)


def from_millis(value: object) -> datetime | None:
    """A store's epoch milliseconds (a number, or digits in a string) as aware UTC."""
    if isinstance(value, str) and is_ascii_digits(value) and len(value) <= 16:
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < 10**15:
        return None
    seconds, ms = divmod(value, 1000)
    return datetime.fromtimestamp(seconds, tz=UTC) + timedelta(milliseconds=ms)
