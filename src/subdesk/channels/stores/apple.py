"""App Store Server Notifications v2: verify the signed payload and read what it says.

The notification, its transaction and its renewal info are each a JWS signed by
Apple's leaf certificate, chained through Apple's intermediate to a configured
root (Apple Root CA - G3 in production). Beyond the chain, the certificates must
carry Apple's marker extensions for the receipt-signing leaf and the WWDR
intermediate, as Apple's own libraries require.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from cryptography import x509

from subdesk.channels.stores import jws
from subdesk.channels.stores.rules import StoreNotice, apple_observation, from_millis
from subdesk.errors import InvalidRequest

LEAF_MARKER = x509.ObjectIdentifier("1.2.840.113635.100.6.11.1")
INTERMEDIATE_MARKER = x509.ObjectIdentifier("1.2.840.113635.100.6.2.1")


def read_notification(
    signed_payload: str,
    roots: Sequence[x509.Certificate],
    now: datetime,
    bundle_id: str | None = None,
) -> StoreNotice:
    """The notification, once it and everything signed inside it verified."""
    payload = _verified(signed_payload, roots, now)
    data = payload.get("data") or {}
    if not isinstance(data, dict):
        raise _malformed("data")
    if bundle_id and data.get("bundleId") not in (None, bundle_id):
        raise InvalidRequest("This notification is for another app.", code="unknown_app")
    transaction = _nested(data.get("signedTransactionInfo"), roots, now)
    renewal = _nested(data.get("signedRenewalInfo"), roots, now)
    kind, subtype = _text(payload, "notificationType"), payload.get("subtype")
    at = millis(payload.get("signedDate"), "signedDate")
    observation = apple_observation(
        at,
        kind,
        subtype if isinstance(subtype, str) else None,
        data.get("status") if isinstance(data.get("status"), int) else None,
        expires_at=_optional_millis(transaction, "expiresDate"),
        auto_renew=_auto_renew(renewal),
        grace_until=_optional_millis(renewal, "gracePeriodExpiresDate"),
    )
    return StoreNotice(
        store="apple",
        notification_id=_text(payload, "notificationUUID"),
        kind=f"{kind}/{subtype}" if subtype else kind,
        event_at=at,
        store_key=_optional_text(transaction, "originalTransactionId"),
        product_id=_optional_text(transaction, "productId"),
        account_id=_account(transaction),
        observation=observation if transaction else None,
    )


def _verified(token: str, roots: Sequence[x509.Certificate], now: datetime) -> dict[str, Any]:
    payload, chain = jws.verify(token, roots, now)
    if not _marked(chain[0], LEAF_MARKER) or not _marked(chain[1], INTERMEDIATE_MARKER):
        raise jws.UntrustedSignature("The payload is not signed by an App Store certificate.")
    return payload


def _nested(token: object, roots: Sequence[x509.Certificate], now: datetime) -> dict[str, Any]:
    if token is None:
        return {}
    if not isinstance(token, str):
        raise _malformed("signed info")
    return _verified(token, roots, now)


def _marked(cert: x509.Certificate, marker: x509.ObjectIdentifier) -> bool:
    return any(extension.oid == marker for extension in cert.extensions)


def millis(value: object, field: str) -> datetime:
    at = from_millis(value)
    if at is None:
        raise _malformed(field)
    return at


def _optional_millis(info: dict[str, Any], field: str) -> datetime | None:
    return None if info.get(field) is None else millis(info[field], field)


def _auto_renew(renewal: dict[str, Any]) -> bool | None:
    status = renewal.get("autoRenewStatus")
    return None if status is None else status == 1


def _account(transaction: dict[str, Any]) -> uuid.UUID | None:
    token = transaction.get("appAccountToken")
    try:
        return uuid.UUID(token) if isinstance(token, str) else None
    except ValueError:
        return None


def _text(payload: dict[str, Any], field: str) -> str:
    value = payload.get(field)
    if not isinstance(value, str) or not value or len(value) > 200:
        raise _malformed(field)
    return value


def _optional_text(info: dict[str, Any], field: str) -> str | None:
    return _text(info, field) if info.get(field) is not None else None


def _malformed(field: str) -> InvalidRequest:
    return InvalidRequest(
        f"The notification's {field} is missing or malformed.",
        code="malformed_notification",
        field=field,
    )
