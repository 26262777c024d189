"""A check-in: the device's verdict, a message in the person's language, and an offline token."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select

from subdesk.catalog.service import plan_of
from subdesk.context import Work
from subdesk.licensing import tokens
from subdesk.licensing.devices import by_token
from subdesk.licensing.rules import MESSAGES, DeviceFacts, Verdict, verdict
from subdesk.models import Account, Device, Subscription
from subdesk.notifications.formatting import format_day
from subdesk.subscriptions.rules import Status


@dataclass(frozen=True, slots=True)
class CheckIn:
    verdict: Verdict
    message: str
    check_in_due: datetime
    offline_token: str


def check_in(work: Work, device_token: str) -> CheckIn:
    device = by_token(work, device_token)
    if device is None:
        return _answer(work, verdict(None, work.now), "en", {})
    subscription = work.session.get(Subscription, device.subscription_id)
    account = work.session.get(Account, device.account_id)
    assert subscription is not None  # noqa: S101 - kept by the foreign key
    assert account is not None  # noqa: S101 - kept by the foreign key
    plan = plan_of(work, subscription.plan_id)
    facts = DeviceFacts(
        removed=device.status != "active",
        status=Status(subscription.status),
        seats=plan.seats,
        seat_rank=_seat_rank(work, device),
        period_end=subscription.current_period_end,
        access_ends_at=subscription.access_ends_at,
        grace_ends_at=subscription.grace_ends_at,
        auto_renew=subscription.auto_renew,
    )
    found = verdict(facts, work.now)
    if device.status == "active":
        device.last_seen_at = work.now
    claims: dict[str, object] = {
        "sub": str(subscription.id),
        "dev": str(device.id),
        "status": subscription.status,
        "services": [s.code for s in plan.product.services] if found.protected else [],
    }
    return _answer(work, found, account.locale, claims)


def _seat_rank(work: Work, device: Device) -> int:
    """1 + the active devices of the subscription activated before this one."""
    earlier = work.session.scalar(
        select(func.count())
        .select_from(Device)
        .where(
            Device.subscription_id == device.subscription_id,
            Device.status == "active",
            or_(
                Device.activated_at < device.activated_at,
                (Device.activated_at == device.activated_at) & (Device.id < device.id),
            ),
        )
    )
    return int(earlier or 0) + 1


def _answer(work: Work, found: Verdict, locale: str, claims: dict[str, object]) -> CheckIn:
    now = work.now
    until = format_day(found.until, locale) if found.until else ""
    message = MESSAGES.get(locale, MESSAGES["en"])[found.code].format(until=until)
    expires = now + timedelta(days=work.settings.offline_token_days)
    if found.until is not None:
        expires = min(expires, found.until)  # offline protection never outlasts the real one
    token = tokens.issue(
        work.runtime.signer,
        {
            **claims,
            "code": found.code.value,
            "protected": found.protected,
            "iat": now.isoformat(),
            "exp": expires.isoformat(),
        },
    )
    due = now + timedelta(hours=work.settings.check_in_hours)
    return CheckIn(found, message, due, token)
