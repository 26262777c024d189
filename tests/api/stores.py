"""Test-side store notifications: Apple's signed with the test PKI, Google's in a Pub/Sub push."""

from __future__ import annotations

import base64
import itertools
import json
import uuid
from datetime import datetime
from typing import Any

from fastapi.testclient import TestClient

from tests.store_signing import Chain, ms, sign

APPLE_PRODUCT = "com.example.shield.total5.monthly"
GOOGLE_PRODUCT = "shield_total5_monthly"
BUNDLE = "com.example.shield"
PUSH_TOKEN = "push-secret-for-tests"
PRODUCTS = {APPLE_PRODUCT: "total5-month-usd", GOOGLE_PRODUCT: "total5-month-usd"}
_messages = itertools.count(1)


def apple_payload(
    chain: Chain,
    kind: str,
    subtype: str | None = None,
    *,
    at: datetime,
    expires: datetime,
    account_id: str,
    auto_renew: bool = True,
    status: int = 1,
    grace_until: datetime | None = None,
    original_transaction_id: str = "2000000001",
    notification_id: str | None = None,
) -> str:
    transaction = {
        "originalTransactionId": original_transaction_id,
        "transactionId": str(next(_messages)),
        "productId": APPLE_PRODUCT,
        "bundleId": BUNDLE,
        "expiresDate": ms(expires),
        "appAccountToken": account_id,
        "signedDate": ms(at),
        "type": "Auto-Renewable Subscription",
    }
    renewal: dict[str, Any] = {
        "originalTransactionId": original_transaction_id,
        "autoRenewProductId": APPLE_PRODUCT,
        "autoRenewStatus": 1 if auto_renew else 0,
        "signedDate": ms(at),
    }
    if grace_until is not None:
        renewal["gracePeriodExpiresDate"] = ms(grace_until)
    payload = {
        "notificationType": kind,
        "subtype": subtype,
        "notificationUUID": notification_id or str(uuid.uuid4()),
        "version": "2.0",
        "signedDate": ms(at),
        "data": {
            "bundleId": BUNDLE,
            "environment": "Sandbox",
            "status": status,
            "signedTransactionInfo": sign(transaction, chain),
            "signedRenewalInfo": sign(renewal, chain),
        },
    }
    return sign(payload, chain)


def post_apple(client: TestClient, signed_payload: str) -> Any:
    return client.post("/api/v1/stores/apple/notifications", json={"signedPayload": signed_payload})


def google_envelope(
    kind: int, *, at: datetime, token: str, message_id: str | None = None
) -> dict[str, Any]:
    notification = {
        "version": "1.0",
        "packageName": BUNDLE,
        "eventTimeMillis": str(ms(at)),
        "subscriptionNotification": {
            "version": "1.0",
            "notificationType": kind,
            "purchaseToken": token,
            "subscriptionId": GOOGLE_PRODUCT,
        },
    }
    data = base64.b64encode(json.dumps(notification).encode()).decode()
    return {
        "message": {
            "data": data,
            "messageId": message_id or f"msg-{next(_messages)}",
            "publishTime": at.isoformat(),
        },
        "subscription": "projects/example/subscriptions/play-rtdn",
    }


def post_google(
    client: TestClient, envelope: dict[str, Any], token: str | None = PUSH_TOKEN
) -> Any:
    query = {"token": token} if token is not None else {}
    return client.post("/api/v1/stores/google/notifications", json=envelope, params=query)
