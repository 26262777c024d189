"""Invariant 7: bad input gets a 4xx with {code, message, field}, never a 500."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.factories import customer, subscribe


def assert_error(response: object, status: int, field: str | None = None) -> dict[str, str]:
    assert response.status_code == status, response.text  # type: ignore[attr-defined]
    error = response.json()["error"]  # type: ignore[attr-defined]
    assert set(error) >= {"code", "message", "field"}
    assert error["message"]
    if field is not None:
        assert error["field"] == field
    return dict(error)


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"email": "not-an-email", "password": "long enough pw", "country": "US"}, 422, "email"),
        ({"email": "a@example.com", "password": "long enough pw"}, 422, "country"),
        ({"email": "a@example.com", "password": "short", "country": "US"}, 400, "password"),
        ({"email": "a@example.com", "password": "long enough pw", "country": "ZZ"}, 400, "country"),
        (
            {
                "email": "a@example.com",
                "password": "long enough pw",
                "country": "US",
                "region": "XX",
            },
            400,
            "region",
        ),
        (
            {
                "email": "a@example.com",
                "password": "long enough pw",
                "country": "US",
                "locale": "fr",
            },
            400,
            "locale",
        ),
    ],
)
def test_bad_sign_up_gets_a_clear_error_on_the_field(
    client: TestClient, body: dict[str, str], status: int, field: str
) -> None:
    assert_error(client.post("/api/v1/accounts", json=body), status, field)


def test_a_taken_email_gets_the_same_answer_as_a_new_one(client: TestClient) -> None:
    body = {"email": "Dup@Example.com", "password": "long enough pw", "country": "US"}
    first = client.post("/api/v1/accounts", json=body)
    again = client.post(
        "/api/v1/accounts", json={**body, "email": " dup@example.com ", "password": "another pw!"}
    )
    assert first.status_code == again.status_code == 202
    assert first.json() == again.json()
    kept = client.post(
        "/api/v1/auth/token", json={"email": "dup@example.com", "password": "long enough pw"}
    )
    assert kept.status_code == 200
    taken = client.post(
        "/api/v1/auth/token", json={"email": "dup@example.com", "password": "another pw!"}
    )
    assert taken.status_code == 401


def test_wrong_password_and_unknown_email_get_the_same_answer(client: TestClient) -> None:
    alice = customer(client)
    wrong = client.post(
        "/api/v1/auth/token", json={"email": alice.email, "password": "wrong password"}
    )
    unknown = client.post(
        "/api/v1/auth/token", json={"email": "nobody@example.com", "password": "x" * 12}
    )
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()


@pytest.mark.parametrize(
    ("card", "field"),
    [
        (
            {"card_number": "4242424242424241", "exp_month": 12, "exp_year": 2030, "cvc": "123"},
            "card_number",
        ),
        (
            {"card_number": "4242424242424242", "exp_month": 12, "exp_year": 2020, "cvc": "123"},
            "exp_year",
        ),
        (
            {"card_number": "4242424242424242", "exp_month": 13, "exp_year": 2030, "cvc": "123"},
            "exp_month",
        ),
        (
            {"card_number": "4242424242424242", "exp_month": 12, "exp_year": 2030, "cvc": "12a"},
            "cvc",
        ),
    ],
)
def test_bad_card_is_refused_on_its_field_and_never_echoed(
    client: TestClient, card: dict[str, object], field: str
) -> None:
    alice = customer(client)
    response = client.post("/api/v1/payment-methods", json=card, headers=alice.headers)
    assert response.status_code in (400, 422)
    assert_error(response, response.status_code, field)
    assert str(card["card_number"]) not in response.text


def test_cards_are_stored_as_brand_last4_and_expiry_only(client: TestClient) -> None:
    alice = customer(client)
    listed = client.get("/api/v1/payment-methods", headers=alice.headers).json()
    assert listed[0]["brand"] == "visa"
    assert listed[0]["last4"] == "4242"
    assert "4242424242424242" not in str(listed)


def test_card_used_by_a_renewing_subscription_cannot_be_removed(client: TestClient) -> None:
    alice = customer(client)
    subscribe(client, alice, "av1-year-usd")
    response = client.delete(f"/api/v1/payment-methods/{alice.card_id}", headers=alice.headers)
    assert assert_error(response, 409)["code"] == "payment_method_in_use"


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/subscriptions/not-a-uuid",
        "/api/v1/invoices/123",
        "/api/v1/cancellations/CXL-0000-0000",
    ],
)
def test_malformed_or_unknown_ids_are_not_found(client: TestClient, path: str) -> None:
    alice = customer(client)
    assert_error(client.get(path, headers=alice.headers), 404)


def test_unknown_route_and_wrong_method_are_json_errors(client: TestClient) -> None:
    assert_error(client.get("/api/v1/nowhere"), 404)
    assert_error(client.delete("/api/v1/plans"), 405)


def test_invalid_cancel_choice_is_a_validation_error(client: TestClient) -> None:
    alice = customer(client)
    sub = subscribe(client, alice, "av1-year-usd")
    response = client.post(
        f"/api/v1/subscriptions/{sub['id']}/cancel",
        json={"when": "tomorrow"},
        headers=alice.headers,
    )
    assert_error(response, 422, "when")


def test_malformed_json_is_a_validation_error(client: TestClient) -> None:
    alice = customer(client)
    response = client.post(
        "/api/v1/payment-methods",
        content=b"{not json",
        headers={**alice.headers, "Content-Type": "application/json"},
    )
    assert_error(response, 422)


def test_overlong_idempotency_key_is_refused(client: TestClient) -> None:
    alice = customer(client)
    sub = subscribe(client, alice, "av1-year-usd")
    response = client.post(
        f"/api/v1/subscriptions/{sub['id']}/cancel",
        json={"when": "now"},
        headers={**alice.headers, "Idempotency-Key": "k" * 201},
    )
    assert_error(response, 400, "Idempotency-Key")


def test_openapi_document_and_docs_are_served(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    for path in (
        "/api/v1/plans",
        "/api/v1/subscriptions/{subscription_id}/cancel",
        "/api/v1/receipts/verify",
    ):
        assert path in spec["paths"]
    assert client.get("/docs").status_code == 200
    assert client.get("/healthz").json()["status"] == "ok"


def test_a_body_over_the_limit_is_refused_before_it_is_read(client: TestClient) -> None:
    huge = b"x" * (4 * 1024 * 1024 + 1)
    answer = client.post(
        "/api/v1/trust/check", content=huge, headers={"Content-Type": "application/json"}
    )
    assert answer.status_code == 413
    assert answer.json()["error"]["code"] == "too_large"
