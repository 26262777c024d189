"""Acceptance 7: one customer can never read or change another's data (404, not 403)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.factories import customer, subscribe


def test_customer_cannot_read_change_or_cancel_another_customers_subscription(
    client: TestClient,
) -> None:
    alice, mallory = customer(client), customer(client)
    sub = subscribe(client, alice, "av1-year-usd")
    base = f"/api/v1/subscriptions/{sub['id']}"
    attempts = [
        client.get(base, headers=mallory.headers),
        client.get(f"{base}/cancellation", headers=mallory.headers),
        client.get(f"{base}/history", headers=mallory.headers),
        client.post(f"{base}/cancel", json={"when": "now"}, headers=mallory.headers),
        client.put(f"{base}/auto-renew", json={"enabled": False}, headers=mallory.headers),
    ]
    for response in attempts:
        assert response.status_code == 404, response.text
        assert response.json()["error"]["code"] == "subscription_not_found"
    assert client.get("/api/v1/subscriptions", headers=mallory.headers).json() == []
    still = client.get(base, headers=alice.headers).json()
    assert still["status"] == "active"
    assert still["auto_renew"] is True


def test_customer_cannot_see_or_use_another_customers_payment_method(client: TestClient) -> None:
    alice, mallory = customer(client), customer(client)
    listed = client.get("/api/v1/payment-methods", headers=mallory.headers).json()
    assert [m["id"] for m in listed] == [mallory.card_id]
    removed = client.delete(f"/api/v1/payment-methods/{alice.card_id}", headers=mallory.headers)
    assert removed.status_code == 404
    body = {
        "plan_id": client.get("/api/v1/plans").json()[0]["id"],
        "payment_method_id": alice.card_id,
        "auto_renew_consent": True,
    }
    bought = client.post("/api/v1/subscriptions", json=body, headers=mallory.headers)
    assert bought.status_code == 404
    assert bought.json()["error"]["field"] == "payment_method_id"


def test_customer_cannot_read_another_customers_invoices_or_cancellations(
    client: TestClient,
) -> None:
    alice, mallory = customer(client), customer(client)
    sub = subscribe(client, alice, "av1-year-usd")
    cancellation = client.post(
        f"/api/v1/subscriptions/{sub['id']}/cancel",
        json={"when": "period_end"},
        headers=alice.headers,
    ).json()
    invoice = client.get("/api/v1/invoices", headers=alice.headers).json()[0]
    assert client.get("/api/v1/invoices", headers=mallory.headers).json() == []
    assert (
        client.get(f"/api/v1/invoices/{invoice['id']}", headers=mallory.headers).status_code == 404
    )
    assert (
        client.get(
            f"/api/v1/cancellations/{cancellation['id']}", headers=mallory.headers
        ).status_code
        == 404
    )


def test_requests_without_a_valid_token_are_refused(client: TestClient) -> None:
    assert client.get("/api/v1/subscriptions").status_code == 401
    bad = client.get("/api/v1/subscriptions", headers={"Authorization": "Bearer nope"})
    assert bad.status_code == 401
    assert bad.json()["error"]["code"] == "invalid_token"
