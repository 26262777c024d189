"""Test data through the public API, the way a customer would make it."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

from fastapi.testclient import TestClient

PASSWORD = "correct horse battery"
_numbers = itertools.count(1)


@dataclass
class Customer:
    email: str
    headers: dict[str, str]
    card_id: str


def plan_id(client: TestClient, code: str) -> str:
    plans = client.get("/api/v1/plans").json()
    return next(p["id"] for p in plans if p["code"] == code)


def sign_up(
    client: TestClient,
    *,
    country: str = "US",
    region: str | None = "CA",
    locale: str = "en",
    name: str | None = None,
) -> dict[str, str]:
    email = f"customer{next(_numbers)}@example.com"
    body = {
        "email": email,
        "password": PASSWORD,
        "country": country,
        "region": region,
        "locale": locale,
        **({"name": name} if name else {}),
    }
    response = client.post("/api/v1/accounts", json=body)
    assert response.status_code == 202, response.text
    token = client.post("/api/v1/auth/token", json={"email": email, "password": PASSWORD})
    assert token.status_code == 200, token.text
    return {"email": email, "Authorization": f"Bearer {token.json()['access_token']}"}


def add_card(client: TestClient, headers: dict[str, str], number: str = "4242424242424242") -> str:
    body = {"card_number": number, "exp_month": 12, "exp_year": 2030, "cvc": "123"}
    response = client.post("/api/v1/payment-methods", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def customer(client: TestClient, card: str = "4242424242424242", **kwargs: Any) -> Customer:
    signed_in = sign_up(client, **kwargs)
    email = signed_in.pop("email")
    return Customer(email, signed_in, add_card(client, signed_in, card))


def subscribe(
    client: TestClient, who: Customer, code: str, *, key: str | None = None, **extra: Any
) -> dict[str, Any]:
    body = {
        "plan_id": plan_id(client, code),
        "payment_method_id": who.card_id,
        "auto_renew_consent": True,
        **extra,
    }
    # Each call is a deliberate purchase: without a key of its own, the same order sent again
    # within minutes would be taken for a retry of the first.
    headers = {**who.headers, "Idempotency-Key": key or f"factory-{next(_numbers)}"}
    response = client.post("/api/v1/subscriptions", json=body, headers=headers)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


def set_auto_renew(client: TestClient, who: Customer, sub_id: str, enabled: bool) -> Any:
    response = client.put(
        f"/api/v1/subscriptions/{sub_id}/auto-renew", json={"enabled": enabled}, headers=who.headers
    )
    return response
