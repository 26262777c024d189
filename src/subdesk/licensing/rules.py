"""What a check-in answers: one code from a fixed precedence, and what the person can do;
and how often a subscription may move its seats to other devices.

Precedence (the first that holds wins):
    NOT_FOUND > DEVICE_REMOVED > SUSPENDED_BY_PROVIDER > EXPIRED > CANCELED
    > TOO_MANY_DEVICES > GRACE > TRIAL > ACTIVE
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from subdesk.subscriptions.rules import Status

PLATFORMS = ("windows", "macos", "android", "ios")


class Code(StrEnum):
    ACTIVE = "ACTIVE"
    TRIAL = "TRIAL"
    GRACE = "GRACE"
    EXPIRED = "EXPIRED"
    CANCELED = "CANCELED"
    SUSPENDED_BY_PROVIDER = "SUSPENDED_BY_PROVIDER"
    DEVICE_REMOVED = "DEVICE_REMOVED"
    TOO_MANY_DEVICES = "TOO_MANY_DEVICES"
    NOT_FOUND = "NOT_FOUND"


class Action(StrEnum):
    RENEW = "renew"
    UPDATE_PAYMENT_METHOD = "update_payment_method"
    CONTACT_PROVIDER = "contact_provider"
    REACTIVATE = "reactivate"
    BUY = "buy"
    MANAGE_DEVICES = "manage_devices"
    ACTIVATE = "activate"


ACTIONS: dict[Code, tuple[Action, ...]] = {
    Code.ACTIVE: (),
    Code.TRIAL: (Action.BUY,),
    Code.GRACE: (Action.UPDATE_PAYMENT_METHOD,),
    Code.EXPIRED: (Action.RENEW, Action.BUY),
    Code.CANCELED: (Action.BUY,),
    Code.SUSPENDED_BY_PROVIDER: (Action.CONTACT_PROVIDER, Action.REACTIVATE),
    Code.DEVICE_REMOVED: (Action.ACTIVATE, Action.MANAGE_DEVICES),
    Code.TOO_MANY_DEVICES: (Action.MANAGE_DEVICES, Action.BUY),
    Code.NOT_FOUND: (Action.ACTIVATE,),
}

PROTECTING = frozenset({Code.ACTIVE, Code.TRIAL, Code.GRACE})

# The help center's article on each code (the demo data ships one per code and language).
HELP_SLUGS: dict[Code, str] = {
    code: "checkin-" + code.value.lower().replace("_", "-") for code in Code
}


def help_path(code: Code, locale: str) -> str:
    """The page of the article explaining `code`, in the person's language (no lookup)."""
    return f"/help/{HELP_SLUGS[code]}?lang={locale if locale in MESSAGES else 'en'}"


@dataclass(frozen=True, slots=True)
class DeviceFacts:
    """What a check-in knows: the device, its subscription, and its place among the seats."""

    removed: bool
    status: Status
    seats: int
    seat_rank: int  # 1 for the earliest active device of the subscription
    period_end: datetime
    access_ends_at: datetime | None
    grace_ends_at: datetime | None
    auto_renew: bool


@dataclass(frozen=True, slots=True)
class Verdict:
    code: Code
    protected: bool
    until: datetime | None  # protection lasts until (None: not protected)
    actions: tuple[Action, ...]


def verdict(facts: DeviceFacts | None, now: datetime) -> Verdict:
    code, until = _code(facts, now)
    protected = code in PROTECTING
    return Verdict(code, protected, until if protected else None, ACTIONS[code])


def _code(facts: DeviceFacts | None, now: datetime) -> tuple[Code, datetime | None]:
    if facts is None:
        return Code.NOT_FOUND, None
    if facts.removed:
        return Code.DEVICE_REMOVED, None
    if facts.status is Status.SUSPENDED:
        return Code.SUSPENDED_BY_PROVIDER, None
    if facts.status is Status.EXPIRED:
        return Code.EXPIRED, None
    canceled_until = facts.access_ends_at if facts.status is Status.CANCELED else None
    if facts.status is Status.CANCELED and (canceled_until is None or canceled_until <= now):
        return Code.CANCELED, None
    if facts.seat_rank > facts.seats:
        return Code.TOO_MANY_DEVICES, None
    if facts.status is Status.PAST_DUE:
        grace_until = facts.grace_ends_at or facts.period_end
        # Past its grace (a store's "on hold", or the worker not there yet): no protection.
        return (Code.GRACE, grace_until) if grace_until > now else (Code.EXPIRED, None)
    if facts.status is Status.TRIALING:
        return Code.TRIAL, facts.period_end
    return Code.ACTIVE, canceled_until or facts.access_ends_at or facts.period_end


@dataclass(frozen=True, slots=True)
class TransferPolicy:
    """At most `limit` seats released (and so handed to another device) per rolling `window`."""

    limit: int
    window: timedelta


def next_transfer_at(
    releases: Iterable[datetime], now: datetime, policy: TransferPolicy
) -> datetime | None:
    """When a device may next take a released seat: None if it may now.

    A transfer is a seat released by the customer or the app and then taken by another
    device. Every release inside the window counts as one, taken yet or not: the
    activation after N releases is the Nth transfer, so it is allowed while N <= limit.
    Otherwise it waits until enough releases have left the window.
    """
    recent = sorted(at for at in releases if at > now - policy.window)
    excess = len(recent) - policy.limit
    if excess <= 0:
        return None
    return recent[excess - 1] + policy.window


MESSAGES: dict[str, dict[Code, str]] = {
    "en": {
        Code.ACTIVE: "You are protected until {until}.",
        Code.TRIAL: "Your free trial protects you until {until}.",
        Code.GRACE: "We could not take your payment. You stay protected until {until}: "
        "update your payment method to keep it.",
        Code.EXPIRED: "Your subscription has ended. Renew to be protected again.",
        Code.CANCELED: "Your subscription was cancelled. Buy a plan to be protected again.",
        Code.SUSPENDED_BY_PROVIDER: "Your service provider has paused your protection. "
        "Contact them, or reactivate once you have sorted it out.",
        Code.DEVICE_REMOVED: "This device was removed from your subscription, so it is not "
        "protected. Activate it again to use a free seat.",
        Code.TOO_MANY_DEVICES: "Your plan has more devices than seats, so this one is not "
        "protected. Remove a device or choose a bigger plan.",
        Code.NOT_FOUND: "This device is not activated. Sign in to activate it.",
    },
    "de": {
        Code.ACTIVE: "Sie sind bis {until} geschützt.",
        Code.TRIAL: "Ihr kostenloser Test schützt Sie bis {until}.",
        Code.GRACE: "Wir konnten Ihre Zahlung nicht einziehen. Sie bleiben bis {until} "
        "geschützt: Aktualisieren Sie Ihre Zahlungsmethode, um es zu bleiben.",
        Code.EXPIRED: "Ihr Abonnement ist abgelaufen. Verlängern Sie es, um wieder "
        "geschützt zu sein.",
        Code.CANCELED: "Ihr Abonnement wurde gekündigt. Kaufen Sie einen Tarif, um wieder "
        "geschützt zu sein.",
        Code.SUSPENDED_BY_PROVIDER: "Ihr Anbieter hat Ihren Schutz pausiert. Wenden Sie sich an "
        "ihn oder reaktivieren Sie den Dienst, sobald alles geklärt ist.",
        Code.DEVICE_REMOVED: "Dieses Gerät wurde aus Ihrem Abonnement entfernt und ist nicht "
        "geschützt. Aktivieren Sie es erneut, um einen freien Platz zu nutzen.",
        Code.TOO_MANY_DEVICES: "Ihr Tarif hat mehr Geräte als Plätze, deshalb ist dieses nicht "
        "geschützt. Entfernen Sie ein Gerät oder wählen Sie einen größeren Tarif.",
        Code.NOT_FOUND: "Dieses Gerät ist nicht aktiviert. Melden Sie sich an, um es zu "
        "aktivieren.",
    },
}
