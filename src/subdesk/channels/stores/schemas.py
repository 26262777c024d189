"""API shapes of the store endpoints: Apple's and Google's notification bodies, purchase links."""

from __future__ import annotations

from pydantic import BaseModel, Field

from subdesk.schemas import Input
from subdesk.subscriptions.schemas import SubscriptionOut


class AppleNotificationIn(Input):
    """App Store Server Notifications v2: one JWS signed by Apple."""

    signedPayload: str = Field(min_length=1, max_length=200_000)  # noqa: N815 - Apple's name


class PubSubMessage(Input):
    data: str = Field(min_length=1, max_length=100_000)
    messageId: str = Field(min_length=1, max_length=200)  # noqa: N815 - Pub/Sub's names
    publishTime: str | None = None  # noqa: N815


class GoogleNotificationIn(Input):
    """The Pub/Sub push envelope around a Google Play real-time developer notification."""

    message: PubSubMessage
    subscription: str | None = None


class AcknowledgedOut(BaseModel):
    """What subdesk did with the notification; any 2xx tells the store to stop retrying."""

    outcome: str


class GooglePurchaseIn(Input):
    purchase_token: str = Field(min_length=1, max_length=512)
    product_id: str = Field(min_length=1, max_length=200)


class GooglePurchaseOut(BaseModel):
    """`pending` until Google's notification confirms the purchase, then `linked`."""

    status: str
    subscription: SubscriptionOut | None
