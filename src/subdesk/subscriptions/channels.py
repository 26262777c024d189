"""Who bills a subscription, and what that means for cancelling it.

subdesk never pretends to cancel what it cannot: a subscription billed by an app
store ends at that store, one billed by a service provider ends with the provider.
"""

from __future__ import annotations

from enum import StrEnum

from subdesk.errors import Conflict


class Channel(StrEnum):
    DIRECT = "direct"
    RETAIL = "retail"
    PROVIDER = "provider"
    APP_STORE = "app_store"
    GOOGLE_PLAY = "google_play"


STORES = frozenset({Channel.APP_STORE, Channel.GOOGLE_PLAY})
# Billed by someone else: subdesk neither charges nor cancels these.
BILLED_ELSEWHERE = STORES | {Channel.PROVIDER}

CANCEL_STEPS: dict[Channel, tuple[str, ...]] = {
    Channel.APP_STORE: (
        "On your iPhone or iPad, open Settings and tap your name.",
        "Tap Subscriptions, then this subscription.",
        "Tap Cancel Subscription. Apple stops the renewal; protection lasts until the end date.",
    ),
    Channel.GOOGLE_PLAY: (
        "On your Android device, open the Google Play Store app.",
        "Tap your profile picture, then Payments & subscriptions, then Subscriptions.",
        "Choose this subscription and tap Cancel subscription.",
    ),
    Channel.PROVIDER: (
        "Your service provider bills this subscription: contact them to end it.",
        "If they suspended it over a billing problem you have resolved, choose "
        "\u201cReactivate the service\u201d on your subscription page.",
    ),
}


class BilledElsewhere(Conflict):
    """Cancelling here would change nothing: the steps say where it is done."""

    code = "billed_elsewhere"

    def __init__(self, channel: Channel) -> None:
        self.channel = channel
        self.steps = CANCEL_STEPS[channel]
        where = "your service provider" if channel is Channel.PROVIDER else "the store"
        super().__init__(f"This subscription is billed by {where}. " + " ".join(self.steps))

    def as_body(self) -> dict[str, dict[str, str | None]]:
        body = super().as_body()
        body["error"]["steps"] = list(self.steps)  # type: ignore[assignment]
        body["error"]["channel"] = self.channel.value
        return body


def refuse_if_billed_elsewhere(channel: str) -> None:
    if channel in BILLED_ELSEWHERE:
        raise BilledElsewhere(Channel(channel))
