"""What a customer reads about a subscription: its status, channel and next charge in words."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from subdesk.subscriptions.schemas import SubscriptionOut

Words = Callable[[str], str]
Day = Callable[[object], str]

CHANNELS = {
    "direct": "bought here",
    "app_store": "through the App Store",
    "google_play": "through Google Play",
    "provider": "through your service provider",
    "retail": "retail key",
}


@dataclass(frozen=True, slots=True)
class Line:
    """One line of a subscription's summary."""

    text: str
    tone: str  # ok | warn | ended


def status_line(sub: SubscriptionOut, _: Words, day: Day) -> Line:
    """The status in words, with the date that matters for it."""
    until = day(sub.protected_until) if sub.protected_until else ""
    if sub.status == "trialing":
        return Line(_("Free trial until %(date)s") % {"date": day(sub.current_period_end)}, "ok")
    if sub.status == "active" and sub.auto_renew:
        return Line(_("Active, renews on %(date)s") % {"date": day(sub.current_period_end)}, "ok")
    if sub.status == "active":
        return Line(
            _("Active, protected until %(date)s; it will not renew") % {"date": until}, "ok"
        )
    if sub.status == "past_due":
        return Line(
            _("Payment failed: still protected until %(date)s. Update your card.")
            % {"date": until},
            "warn",
        )
    if sub.status == "suspended":
        return Line(_("Suspended by your service provider"), "warn")
    if sub.status == "canceled" and sub.protected:
        return Line(_("Canceled, protected until %(date)s") % {"date": until}, "ended")
    if sub.status == "canceled":
        return Line(_("Canceled"), "ended")
    return Line(_("Expired"), "ended")


def channel_words(channel: str, _: Words) -> str:
    return _(CHANNELS.get(channel, CHANNELS["direct"]))
