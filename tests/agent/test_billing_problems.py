"""Billing problems: a seeded duplicate is found and refunded once; a charge after a
confirmed cancellation is flagged, and the normal flows never make one."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from subdesk.clock import TestClock
from subdesk.context import Runtime
from subdesk.db import Database
from subdesk.models import OutboxEmail, Payment, PaymentMethod, Refund, Subscription
from subdesk.money import Money
from subdesk.notifications.smtp import SmtpSender
from subdesk.subscriptions import duplicate_purchases
from subdesk.worker.duplicates import refund_duplicates
from subdesk.worker.loop import one_pass
from subdesk.worker.renewals import run_pass
from tests.agent.console import Console, Member, console, events
from tests.factories import customer, set_auto_renew, subscribe
from tests.portal.pages import csrf_of

PAGE = "/agent/billing-problems"
REFUND = "/agent/billing-problems/refund"


def payments_of(database: Database, subscription_id: str) -> list[Payment]:
    with database.transaction() as session:
        query = (
            select(Payment)
            .where(Payment.subscription_id == uuid.UUID(subscription_id))
            .order_by(Payment.captured_at)
        )
        rows = list(session.scalars(query))
        session.expunge_all()
        return rows


def seed_charge(
    database: Database, runtime: Runtime, subscription_id: str, *, after: timedelta
) -> str:
    """Charge the card again for the subscription's first period, written straight to the table
    (what a bug in the renewal engine would leave behind)."""
    with database.transaction() as session:
        first = session.scalars(
            select(Payment).where(Payment.subscription_id == uuid.UUID(subscription_id))
        ).first()
        assert first is not None
        card = session.scalars(
            select(PaymentMethod).where(PaymentMethod.account_id == first.account_id)
        ).first()
        assert card is not None
        key = f"seeded:{uuid.uuid4()}"
        charge = runtime.gateway.charge(
            card.gateway_token, Money(first.amount_minor, first.currency), key
        )
        seeded = Payment(
            id=uuid.uuid4(),
            account_id=first.account_id,
            subscription_id=first.subscription_id,
            kind=first.kind,
            period_number=first.period_number,
            first_paid=False,
            amount_minor=first.amount_minor,
            refunded_minor=0,
            currency=first.currency,
            gateway_charge_id=charge.charge_id,
            idempotency_key=key,
            captured_at=first.captured_at + after,
        )
        session.add(seeded)
        return str(seeded.id)


def refunds_of(database: Database, payment_id: str) -> list[Refund]:
    with database.transaction() as session:
        query = select(Refund).where(Refund.payment_id == uuid.UUID(payment_id))
        return list(session.scalars(query))


def test_the_report_finds_a_seeded_duplicate_and_refunds_it_once(
    client: TestClient, database: Database, runtime: Runtime, as_agent: Console
) -> None:
    who = customer(client, name="Sam Seeded")
    sub = subscribe(client, who, "av1-year-usd")
    duplicate = seed_charge(database, runtime, sub["id"], after=timedelta(seconds=5))
    page = as_agent.client.get(PAGE)
    assert f'data-payment-id="{duplicate}" data-kind="same_period"' in page.text
    row = page.text.split(f'data-payment-id="{duplicate}"')[1].split("</tr>")[0]
    assert "Sam Seeded" in row  # the customer by name and email, not "customer"
    assert who.email in row
    original = next(p for p in payments_of(database, sub["id"]) if str(p.id) != duplicate)
    assert f'data-payment-id="{original.id}"' not in page.text

    done = as_agent.post_form(PAGE, REFUND, payment_id=duplicate, reason="charged twice")
    assert done.status_code == 303, done.text
    refreshed = as_agent.client.get(PAGE)
    assert f'name="payment_id" value="{duplicate}"' not in refreshed.text  # "Refunded" now
    # The same form sent again (a double click, a replay) refunds nothing more.
    again = as_agent.client.post(
        REFUND,
        data={"csrftoken": csrf_of(refreshed), "payment_id": duplicate, "reason": "charged twice"},
        follow_redirects=False,
    )
    assert again.status_code == 303

    (refund,) = refunds_of(database, duplicate)
    assert refund.amount_minor == original.amount_minor
    assert refund.reason == "duplicate_charge"
    assert refunds_of(database, str(original.id)) == []
    (event,) = events(database, "support.duplicate_refunded")
    assert event.reason == "charged twice"
    resolved = as_agent.client.get(PAGE).text.split('id="resolved"')[1]
    assert "Repeated charge refunded; the subscription stays" in resolved
    assert len(emails_of(database, "refund")) == 1


def test_refunding_a_duplicate_needs_a_reason(
    client: TestClient, database: Database, runtime: Runtime, as_agent: Console
) -> None:
    who = customer(client)
    sub = subscribe(client, who, "av1-year-usd")
    duplicate = seed_charge(database, runtime, sub["id"], after=timedelta(seconds=5))
    refused = as_agent.post_form(PAGE, REFUND, payment_id=duplicate, reason="")
    assert refused.status_code == 400
    assert refunds_of(database, duplicate) == []


def test_a_payment_that_is_no_duplicate_is_not_refunded_from_the_report(
    client: TestClient, database: Database, runtime: Runtime, as_agent: Console
) -> None:
    who = customer(client)
    sub = subscribe(client, who, "av1-year-usd")
    seed_charge(database, runtime, sub["id"], after=timedelta(seconds=5))
    (first, _dup) = payments_of(database, sub["id"])
    refused = as_agent.post_form(PAGE, REFUND, payment_id=str(first.id), reason="not a dup")
    assert refused.status_code == 409
    assert "not a duplicate" in refused.text
    assert refunds_of(database, str(first.id)) == []


@pytest.fixture
def unchecked(monkeypatch: pytest.MonkeyPatch) -> None:
    """Orders pass the duplicate check, as one the check never saw would (a row written by an
    older version of subdesk, or by a bug)."""
    monkeypatch.setattr(duplicate_purchases, "refusal_of", lambda *_args, **_kwargs: None)


def emails_of(database: Database, template: str) -> list[OutboxEmail]:
    with database.transaction() as session:
        return list(session.scalars(select(OutboxEmail).where(OutboxEmail.template == template)))


def test_a_second_live_subscription_of_a_product_is_refunded_and_ended_by_the_agent(
    client: TestClient,
    clock: TestClock,
    database: Database,
    runtime: Runtime,
    agent: Member,
    unchecked: None,
) -> None:
    who = customer(client, name="Dana Double")
    kept = subscribe(client, who, "av1-year-usd")
    clock.advance(timedelta(days=3))  # bought again days later: not the worker's to undo
    second = subscribe(client, who, "av1-year-usd")
    (payment,) = payments_of(database, second["id"])
    as_agent = console(client.app, clock, agent)  # signed in now
    page = as_agent.client.get(PAGE)
    assert f'data-payment-id="{payment.id}" data-kind="same_product"' in page.text
    row = page.text.split(f'data-payment-id="{payment.id}"')[1].split("</tr>")[0]
    assert "Dana Double" in row
    assert who.email in row
    done = as_agent.post_form(PAGE, REFUND, payment_id=str(payment.id), reason="bought twice")
    assert done.status_code == 303, done.text
    (refund,) = refunds_of(database, str(payment.id))
    assert refund.amount_minor == payment.amount_minor
    with database.transaction() as session:
        ended = session.get_one(Subscription, uuid.UUID(second["id"]))
        first = session.get_one(Subscription, uuid.UUID(kept["id"]))
        assert (ended.status, ended.auto_renew, ended.next_action_at) == ("canceled", False, None)
        assert (first.status, first.auto_renew) == ("active", True)
    # The page says what was done, for whom and by whom; the worker finds nothing more to do.
    after = as_agent.client.get(PAGE)
    assert f'name="payment_id" value="{payment.id}"' not in after.text
    resolved = after.text.split('id="resolved"')[1].split("</section>")[0]
    assert f'data-payment-id="{payment.id}"' in resolved
    assert "Dana Double" in resolved
    assert who.email in resolved
    assert "subscription ended" in resolved
    assert "Agent agent" in resolved  # the agent's name
    assert "duplicates_refunded" not in one_pass(database, runtime, SmtpSender(runtime.settings))
    assert len(refunds_of(database, str(payment.id))) == 1
    assert len(emails_of(database, "duplicate_purchase")) == 1
    assert emails_of(database, "refund") == []  # one email says it all
    (event,) = events(database, "support.duplicate_refunded")
    assert (event.actor_type, event.actor_id) == ("staff", str(agent.id))
    (domain_event,) = events(database, "subscription.duplicate_ended")
    assert domain_event.reason == "bought twice"
    clock.advance(timedelta(days=366))
    run_pass(database, runtime)
    assert len(payments_of(database, second["id"])) == 1
    assert len(payments_of(database, kept["id"])) == 2


def test_the_worker_s_refund_of_a_duplicate_shows_for_whom_and_that_it_did_it(
    client: TestClient,
    clock: TestClock,
    database: Database,
    runtime: Runtime,
    as_agent: Console,
    unchecked: None,
) -> None:
    who = customer(client, name="Wes Worker")
    subscribe(client, who, "av1-year-usd")
    clock.advance(timedelta(minutes=2))
    second = subscribe(client, who, "av1-year-usd")
    (payment,) = payments_of(database, second["id"])
    assert refund_duplicates(database, runtime) == 1
    page = as_agent.client.get(PAGE)
    assert "No duplicate charges." in page.text  # it was ended: nothing left to do
    resolved = page.text.split('id="resolved"')[1].split("</section>")[0]
    row = resolved.split(f'data-payment-id="{payment.id}"')[1].split("</tr>")[0]
    assert "Wes Worker" in row
    assert who.email in row
    assert "subdesk, automatically" in row
    assert "subscription ended" in row
    # The form sent from a page opened before refunds nothing more.
    again = as_agent.client.post(
        REFUND,
        data={"csrftoken": csrf_of(page), "payment_id": str(payment.id), "reason": "bought twice"},
        follow_redirects=False,
    )
    assert again.status_code == 303
    assert len(refunds_of(database, str(payment.id))) == 1


def test_the_report_flags_a_charge_after_a_confirmed_cancellation(
    client: TestClient, database: Database, runtime: Runtime, as_agent: Console
) -> None:
    who = customer(client)
    sub = subscribe(client, who, "av1-year-usd")
    stopped = client.post(
        f"/api/v1/subscriptions/{sub['id']}/cancel",
        json={"when": "period_end", "reason": "testing"},
        headers=who.headers,
    )
    assert stopped.status_code == 200, stopped.text
    late = seed_charge(database, runtime, sub["id"], after=timedelta(days=40))
    page = as_agent.client.get(PAGE)
    assert "None: every confirmed cancellation stopped its charges." not in page.text
    assert f'<tr class="breached" data-payment-id="{late}">' in page.text
    assert stopped.json()["id"] in page.text


def test_the_normal_flows_make_no_charge_after_a_cancellation(
    client: TestClient,
    clock: TestClock,
    database: Database,
    runtime: Runtime,
    agent: Member,
) -> None:
    kept = subscribe(client, customer(client), "av1-month-usd")
    stops = customer(client)
    stopped = subscribe(client, stops, "av1-month-usd")
    ends_now = customer(client)
    ended = subscribe(client, ends_now, "av1-month-usd")
    back = customer(client)
    resumed = subscribe(client, back, "av1-month-usd")
    for who, sub, when in ((stops, stopped, "period_end"), (ends_now, ended, "now")):
        answer = client.post(
            f"/api/v1/subscriptions/{sub['id']}/cancel",
            json={"when": when, "reason": "testing"},
            headers=who.headers,
        )
        assert answer.status_code == 200, answer.text
    assert set_auto_renew(client, back, resumed["id"], False).status_code == 200
    assert set_auto_renew(client, back, resumed["id"], True).status_code == 200
    for _month in range(3):
        clock.advance(timedelta(days=31))
        run_pass(database, runtime)
    assert len(payments_of(database, kept["id"])) == 4  # the worker did renew
    assert len(payments_of(database, resumed["id"])) == 4
    assert len(payments_of(database, stopped["id"])) == 1
    page = console(client.app, clock, agent).client.get(PAGE)  # signed in after the months
    assert "None: every confirmed cancellation stopped its charges." in page.text
    assert "No duplicate charges." in page.text
