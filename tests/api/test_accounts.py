"""Accounts: sign-in limits, reading yourself, and closing the account."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient

from subdesk.app import create_app
from subdesk.context import Runtime
from subdesk.db import Database
from subdesk.models import Account, Invoice, Payment, PaymentMethod
from tests.factories import PASSWORD, customer, subscribe


def test_me_shows_the_signed_in_customer(client: TestClient) -> None:
    alice = customer(client, country="US", region="NY")
    me = client.get("/api/v1/me", headers=alice.headers).json()
    assert me["email"] == alice.email
    assert (me["country"], me["region"]) == ("US", "NY")


def test_sign_in_is_rate_limited(runtime: Runtime, database: Database, catalog: None) -> None:
    settings = runtime.settings.model_copy(update={"sign_in_attempts_per_minute": 3})
    app: FastAPI = create_app(
        runtime=Runtime(settings, runtime.clock, runtime.gateway, runtime.signer), database=database
    )
    with TestClient(app) as client:
        body = {"email": "victim@example.com", "password": "guess number"}
        statuses = [client.post("/api/v1/auth/token", json=body).status_code for _ in range(5)]
    assert statuses == [401, 401, 401, 429, 429]


def test_passwords_are_stored_as_argon2_hashes(client: TestClient, database: Database) -> None:
    customer(client)
    with database.transaction() as session:
        stored = session.query(Account).one().password_hash
    assert stored is not None
    assert stored.startswith("$argon2id$")
    assert PASSWORD not in stored


def test_closing_the_account_cancels_removes_cards_erases_data_and_keeps_the_books(
    client: TestClient, database: Database
) -> None:
    alice = customer(client)
    sub = subscribe(client, alice, "av1-year-usd")
    response = client.request(
        "DELETE", "/api/v1/me", json={"reason": "leaving"}, headers=alice.headers
    )
    assert response.status_code == 200, response.text
    cancellation_ids = response.json()["cancellations"]
    assert len(cancellation_ids) == 1
    with database.transaction() as session:
        account = session.query(Account).one()
        assert (account.email, account.name, account.password_hash) == (None, None, None)
        assert account.closed_at is not None
        assert all(m.removed_at is not None for m in session.query(PaymentMethod))
        assert session.query(Payment).count() == 1
        assert session.query(Invoice).count() == 1
    assert client.get("/api/v1/me", headers=alice.headers).status_code == 401
    again = client.post("/api/v1/auth/token", json={"email": alice.email, "password": PASSWORD})
    assert again.status_code == 401
    assert sub["id"]


def test_closing_again_with_the_same_key_answers_the_same(client: TestClient) -> None:
    alice = customer(client)
    subscribe(client, alice, "av1-year-usd")
    headers = {**alice.headers, "Idempotency-Key": "close-1"}
    first = client.request("DELETE", "/api/v1/me", json={"reason": "leaving"}, headers=headers)
    again = client.request("DELETE", "/api/v1/me", json={"reason": "leaving"}, headers=headers)
    assert first.status_code == again.status_code == 200
    assert first.json() == again.json()
    assert len(first.json()["cancellations"]) == 1
    other = client.request("DELETE", "/api/v1/me", json={"reason": "other"}, headers=headers)
    assert other.status_code == 409
    without = client.request("DELETE", "/api/v1/me", headers=alice.headers)
    assert without.status_code == 401
