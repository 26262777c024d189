"""Acceptance (issue 13): a renewal the bank holds for the customer's authentication (SCA) is not
failed: the subscription waits in its grace period, the customer is emailed a link, and the
renewal completes once they confirm in the portal; unconfirmed, it ends with nothing charged."""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select

from subdesk.clock import TestClock
from subdesk.context import Runtime
from subdesk.db import Database
from subdesk.models import OutboxEmail, Payment, Subscription
from subdesk.worker.renewals import run_pass
from tests.factories import PASSWORD, Customer, add_card, customer, subscribe
from tests.portal.pages import Visitor

AUTHENTICATION_CARD = "4000002500003155"


def held_for_authentication(
    client: TestClient, clock: TestClock, database: Database, runtime: Runtime
) -> tuple[Customer, str]:
    buyer = customer(client)
    sub = subscribe(client, buyer, "av1-month-usd")
    card = add_card(client, buyer.headers, AUTHENTICATION_CARD)
    changed = client.put(
        f"/api/v1/subscriptions/{sub['id']}/payment-method",
        json={"payment_method_id": card},
        headers=buyer.headers,
    )
    assert changed.status_code == 200, changed.text
    clock.advance(timedelta(days=31))
    assert run_pass(database, runtime) == Counter(awaiting_authentication=1)
    return buyer, sub["id"]


def test_a_renewal_held_for_authentication_waits_in_grace_and_emails_a_link(
    client: TestClient, clock: TestClock, database: Database, runtime: Runtime
) -> None:
    _buyer, sid = held_for_authentication(client, clock, database, runtime)
    with database.transaction() as session:
        subscription = session.scalars(
            select(Subscription).where(Subscription.id == uuid.UUID(sid))
        ).one()
        email = session.scalars(
            select(OutboxEmail).where(OutboxEmail.template == "authentication_needed")
        ).one()
    assert (subscription.status, subscription.retries_left) == ("past_due", 0)
    assert subscription.next_action_at == subscription.grace_ends_at
    assert email.context is not None
    assert email.context["link"].endswith(f"/account/subscriptions/{sid}/authenticate")
    # No retry runs while the bank waits for the customer; unconfirmed, the grace period ends.
    assert run_pass(database, runtime) == Counter()
    clock.advance(subscription.grace_ends_at - clock.now())
    assert run_pass(database, runtime) == Counter(expired=1)
    with database.transaction() as session:
        assert session.scalars(select(Payment).where(Payment.kind == "renewal")).all() == []


def test_the_renewal_completes_once_the_customer_confirms_in_the_portal(
    client: TestClient, clock: TestClock, database: Database, runtime: Runtime
) -> None:
    buyer, sid = held_for_authentication(client, clock, database, runtime)
    visitor = Visitor(client)
    signed_in = visitor.submit("/sign-in", "/sign-in", email=buyer.email, password=PASSWORD)
    assert signed_in.status_code == 303, signed_in.text
    url = f"/account/subscriptions/{sid}/authenticate"
    page = client.get(url)
    assert page.status_code == 200
    assert "Confirm the payment with my bank" in page.text
    done = visitor.submit(url, url)
    assert done.status_code == 303, done.text
    assert "the payment went through" in client.get(done.headers["location"]).text
    with database.transaction() as session:
        subscription = session.scalars(
            select(Subscription).where(Subscription.id == uuid.UUID(sid))
        ).one()
        (payment,) = session.scalars(select(Payment).where(Payment.kind == "renewal")).all()
    assert (subscription.status, subscription.period_number) == ("active", 2)
    assert payment.subscription_id == subscription.id
    # Nothing is held any more: the page says so, and nothing more is charged.
    assert "No payment of this subscription waits" in client.get(url).text
    assert run_pass(database, runtime) == Counter()
