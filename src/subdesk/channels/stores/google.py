"""Google Play real-time developer notifications, pushed by Pub/Sub: authenticate and read them.

Pub/Sub pushes to a URL we give it; subdesk is offline (it never calls Google), so
the push is authenticated by a shared secret in that URL, `?token=<secret>`,
compared in constant time with `SUBDESK_GOOGLE_PUSH_TOKEN` (the access log redacts
`token=`). Without a configured secret every push is refused.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
from datetime import timedelta
from typing import Any

from subdesk.channels.stores.rules import (
    GOOGLE_TYPES,
    GOOGLE_VOIDED,
    StoreNotice,
    from_millis,
    google_observation,
)
from subdesk.errors import InvalidRequest, NotAuthenticated

SUBSCRIPTION_PRODUCT = 1  # voidedPurchaseNotification.productType of a subscription


def authenticate(given: str | None, expected: str | None) -> None:
    """Refuse a push whose token is not the configured secret."""
    if not expected or not given or not hmac.compare_digest(given.encode(), expected.encode()):
        raise NotAuthenticated(
            "This push is not from our Pub/Sub subscription.", code="invalid_push_token"
        )


def read_notification(
    message_id: str, data: str, grace: timedelta, package_name: str | None = None
) -> StoreNotice:
    """The developer notification inside a Pub/Sub message (base64 JSON)."""
    body = _decoded(data)
    if package_name and body.get("packageName") not in (None, package_name):
        raise InvalidRequest("This notification is for another app.", code="unknown_app")
    at = from_millis(body.get("eventTimeMillis"))
    if at is None:
        raise _malformed("eventTimeMillis")
    kind, token, product = _subscription_facts(body)
    return StoreNotice(
        store="google",
        notification_id=message_id,
        kind=kind,
        event_at=at,
        store_key=token,
        product_id=product,
        account_id=None,  # linked when the app registers the purchase token
        observation=google_observation(at, kind, grace) if token else None,
    )


def _subscription_facts(body: dict[str, Any]) -> tuple[str, str | None, str | None]:
    """The kind, purchase token and product of a subscription (or voided) notification."""
    notification = body.get("subscriptionNotification")
    if isinstance(notification, dict):
        number = notification.get("notificationType")
        if not isinstance(number, int) or isinstance(number, bool):
            raise _malformed("notificationType")
        kind = GOOGLE_TYPES.get(number, f"SUBSCRIPTION_TYPE_{number}")
        return kind, _token(notification), _product(notification.get("subscriptionId"))
    voided = body.get("voidedPurchaseNotification")
    if isinstance(voided, dict) and voided.get("productType") == SUBSCRIPTION_PRODUCT:
        return GOOGLE_VOIDED, _token(voided), None
    if "testNotification" in body:
        return "TEST", None, None
    return "OTHER", None, None  # one-time products and the like: acknowledged, not ours


def _token(notification: dict[str, Any]) -> str:
    token = notification.get("purchaseToken")
    if not isinstance(token, str) or not 0 < len(token) <= 512:
        raise _malformed("purchaseToken")
    return token


def _product(value: object) -> str | None:
    return value if isinstance(value, str) and 0 < len(value) <= 200 else None


def _decoded(data: str) -> dict[str, Any]:
    try:
        body = json.loads(base64.b64decode(data, validate=True))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise _malformed("message.data") from None
    if not isinstance(body, dict):
        raise _malformed("message.data")
    return body


def _malformed(field: str) -> InvalidRequest:
    return InvalidRequest(
        f"The notification's {field} is missing or malformed.",
        code="malformed_notification",
        field=field,
    )
