"""Hostile input to the JSON API: each gets a 4xx with the error body, never a 500, and
writes nothing; on SQLite and PostgreSQL alike."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient

from subdesk.db import Database
from subdesk.models import Account, PaymentMethod, TrustReport
from tests.api.helpers import count
from tests.factories import customer, sign_up

CONTROL = ["\x00", "nul\x00inside", "bell\x07", "escape\x1b[2J", "del\x7f", "c1\x85", "\ud800"]
NOT_ASCII_DIGITS = [
    "4242 4242 4242 424²",  # isdigit() says yes; int() says no
    "٤٢٤٢٤٢٤٢٤٢٤٢٤٢٤٢",  # Arabic-Indic 4242...: isdigit() and int() both say yes
    "４２４２４２４２４２４２４２４２",  # fullwidth digits
]


def post_json(client: TestClient, url: str, body: dict[str, Any]) -> Any:
    """JSON as escapes (a lone surrogate cannot be sent as UTF-8, only as "\\ud800")."""
    return client.post(url, content=json.dumps(body), headers={"content-type": "application/json"})


def assert_error(response: Any, status: int, field: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.text
    error: dict[str, Any] = response.json()["error"]
    assert set(error) == {"code", "message", "field"}
    if field is not None:
        assert error["field"] == field
    return error


@pytest.mark.parametrize("text", CONTROL)
def test_sign_up_refuses_a_control_character_in_the_name_and_writes_nothing(
    client: TestClient, database: Database, text: str
) -> None:
    body = {"email": "nul@example.com", "password": "long enough pw", "country": "US"}
    response = post_json(client, "/api/v1/accounts", {**body, "name": text})
    assert_error(response, 422, "name")
    assert count(database, Account) == 0


@pytest.mark.parametrize("text", CONTROL)
def test_a_trust_report_with_a_control_character_is_refused(
    client: TestClient, database: Database, text: str
) -> None:
    response = post_json(
        client, "/api/v1/trust/reports", {"phone": "+1 888 555 0143", "note": text}
    )
    assert_error(response, 422, "note")
    assert count(database, TrustReport) == 0


def test_closing_the_account_with_a_nul_in_the_reason_is_refused(client: TestClient) -> None:
    alice = customer(client)
    response = client.request(
        "DELETE", "/api/v1/me", json={"reason": "leaving\x00"}, headers=alice.headers
    )
    assert_error(response, 422, "reason")
    assert client.get("/api/v1/me", headers=alice.headers).status_code == 200


def test_tabs_and_line_breaks_are_text(client: TestClient) -> None:
    body = {"email": "tab@example.com", "password": "long enough pw", "country": "US"}
    response = client.post("/api/v1/accounts", json={**body, "name": "Tab\tand\r\nbreak"})
    assert response.status_code < 300, response.text


@pytest.mark.parametrize("number", NOT_ASCII_DIGITS)
def test_a_card_number_of_other_digits_is_refused_and_not_stored(
    client: TestClient, database: Database, number: str
) -> None:
    headers = sign_up(client)
    headers.pop("email")
    card = {"card_number": number, "exp_month": 12, "exp_year": 2030, "cvc": "123"}
    response = client.post("/api/v1/payment-methods", json=card, headers=headers)
    assert_error(response, 400, "card_number")
    assert count(database, PaymentMethod) == 0


def test_a_five_thousand_digit_card_number_is_refused(client: TestClient) -> None:
    headers = sign_up(client)
    headers.pop("email")
    card = {"card_number": "4" * 5000, "exp_month": 12, "exp_year": 2030, "cvc": "123"}
    response = client.post("/api/v1/payment-methods", json=card, headers=headers)
    assert_error(response, 422, "card_number")


def test_a_security_code_of_other_digits_is_refused(client: TestClient) -> None:
    headers = sign_up(client)
    headers.pop("email")
    card = {"card_number": "4242424242424242", "exp_month": 12, "exp_year": 2030, "cvc": "١٢٣"}
    response = client.post("/api/v1/payment-methods", json=card, headers=headers)
    assert_error(response, 400, "cvc")


def test_invalid_utf8_in_a_json_body_is_a_client_error(client: TestClient) -> None:
    response = client.post(
        "/api/v1/accounts",
        content=b'{"email": "\xff@example.com", "password": "long enough pw", "country": "US"}',
        headers={"content-type": "application/json"},
    )
    assert 400 <= response.status_code < 500
    assert set(response.json()["error"]) == {"code", "message", "field"}


@pytest.mark.parametrize("url", ["/api/v1/plans?x=%00", "/api/v1/plans/%00", "/api/v1/pl%07ans"])
def test_a_control_character_in_the_address_is_refused(client: TestClient, url: str) -> None:
    assert assert_error(client.get(url), 400)["code"] == "control_character"
