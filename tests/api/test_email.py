"""Email through the outbox and a real SMTP server: receipts, confirmations, outages."""

from __future__ import annotations

from fastapi.testclient import TestClient

from subdesk.clock import TestClock
from subdesk.context import Runtime
from subdesk.db import Database
from subdesk.models import OutboxEmail
from tests.api.helpers import count, run_days
from tests.factories import customer, subscribe
from tests.smtp import SmtpServer


def test_a_year_of_monthly_renewals_sends_twelve_receipts_once_each(
    client: TestClient, clock: TestClock, database: Database, runtime: Runtime, smtp: SmtpServer
) -> None:
    alice = customer(client)
    subscribe(client, alice, "av1-month-usd")
    outcomes = run_days(clock, database, runtime, 365)
    assert outcomes["renewed"] == 12
    receipts = [m for m in smtp.mailbox.messages if str(m["Subject"]).startswith("Receipt SD-")]
    assert len(receipts) == 12
    assert len({str(m["Subject"]) for m in receipts}) == 12
    assert len({str(m["Message-ID"]) for m in smtp.mailbox.messages}) == len(smtp.mailbox.messages)
    assert all(str(m["To"]) == alice.email for m in receipts)


def test_every_email_carries_the_cancel_link(
    client: TestClient, clock: TestClock, database: Database, runtime: Runtime, smtp: SmtpServer
) -> None:
    alice = customer(client)
    sub = subscribe(client, alice, "av1-year-usd")
    client.post(
        f"/api/v1/subscriptions/{sub['id']}/cancel", json={"when": "now"}, headers=alice.headers
    )
    run_days(clock, database, runtime, 1)
    templates = {m.template for m in _outbox(database)}
    assert templates == {"welcome", "purchase_ack", "cancellation", "refund"}
    assert len(smtp.mailbox.messages) == 4
    for message in smtp.mailbox.messages:
        if str(message["Subject"]) == "Your Shield account is ready":
            assert "/account" in smtp.mailbox.text_of(message)
            continue
        assert f"/account/subscriptions/{sub['id']}/cancel" in smtp.mailbox.text_of(message)
        html = message.get_body(preferencelist=("html",))
        assert html is not None
        assert "/cancel" in str(html.get_content())


def test_cancellation_email_states_id_time_end_date_and_refund(
    client: TestClient, clock: TestClock, database: Database, runtime: Runtime, smtp: SmtpServer
) -> None:
    alice = customer(client)
    sub = subscribe(client, alice, "av1-year-usd")
    result = client.post(
        f"/api/v1/subscriptions/{sub['id']}/cancel", json={"when": "now"}, headers=alice.headers
    ).json()
    run_days(clock, database, runtime, 1)
    mail = next(m for m in smtp.mailbox.messages if result["id"] in str(m["Subject"]))
    text = smtp.mailbox.text_of(mail)
    assert result["id"] in text
    assert "January 15, 2026" in text
    assert "$29.99" in text
    assert "Further charges: none" in text


def test_german_customers_get_german_email(
    client: TestClient, clock: TestClock, database: Database, runtime: Runtime, smtp: SmtpServer
) -> None:
    signed_up = client.post(
        "/api/v1/accounts",
        json={
            "email": "bruno@example.de",
            "password": "ein langes passwort",
            "country": "DE",
            "locale": "de",
        },
    )
    assert signed_up.status_code == 202
    token = client.post(
        "/api/v1/auth/token", json={"email": "bruno@example.de", "password": "ein langes passwort"}
    ).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    card = client.post(
        "/api/v1/payment-methods",
        json={"card_number": "4242424242424242", "exp_month": 1, "exp_year": 2031, "cvc": "123"},
        headers=headers,
    ).json()["id"]
    plan = next(
        p["id"] for p in client.get("/api/v1/plans").json() if p["code"] == "total5-year-eur"
    )
    client.post(
        "/api/v1/subscriptions",
        json={"plan_id": plan, "payment_method_id": card, "auto_renew_consent": True},
        headers=headers,
    )
    run_days(clock, database, runtime, 1)
    welcome, mail = smtp.mailbox.messages
    assert str(welcome["Subject"]) == "Ihr Shield-Konto ist bereit"
    assert str(mail["Subject"]).startswith("Ihr Abonnement")
    text = smtp.mailbox.text_of(mail)
    assert "79,99\xa0€" in text
    assert "ohne Anruf" in text


def test_smtp_outage_loses_nothing_and_sends_nothing_twice(
    client: TestClient, clock: TestClock, database: Database, runtime: Runtime, smtp: SmtpServer
) -> None:
    smtp.stop()
    buyers = [customer(client) for _ in range(3)]
    for buyer in buyers:
        subscribe(client, buyer, "av1-month-usd")
    run_days(clock, database, runtime, 1)
    # Each buyer has a welcome and a purchase acknowledgment waiting.
    assert count(database, OutboxEmail, status="pending") == 6
    # The first failed connection postpones one message and leaves the rest for later.
    assert sorted(m.attempts for m in _outbox(database)) == [0, 0, 0, 0, 0, 1]
    smtp.start()
    run_days(clock, database, runtime, 2)
    assert count(database, OutboxEmail, status="sent") == 6
    run_days(clock, database, runtime, 2)
    recipients = sorted(str(m["To"]) for m in smtp.mailbox.messages)
    assert recipients == sorted(b.email for b in buyers for _mail in ("welcome", "purchase"))


def _outbox(database: Database) -> list[OutboxEmail]:
    with database.transaction() as session:
        return list(session.query(OutboxEmail))
