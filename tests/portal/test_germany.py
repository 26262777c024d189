""" "Verträge hier kündigen" (§ 312k BGB): cancelling without signing in, confirmed at once."""

from __future__ import annotations

import uuid

from fastapi.testclient import TestClient
from sqlalchemy import select

from subdesk.clock import TestClock
from subdesk.context import Runtime
from subdesk.db import Database
from subdesk.models import AuditEvent, CancellationDeclaration, Subscription
from subdesk.notifications.smtp import SmtpSender, deliver_pending
from tests.factories import plan_id
from tests.portal.pages import Visitor, csrf_of, subscription_id_of
from tests.smtp import SmtpServer


def _deliver(database: Database, runtime: Runtime, clock: TestClock) -> None:
    deliver_pending(database, SmtpSender(runtime.settings), clock.now())


def _declare(client: TestClient, **fields: str) -> object:
    page = client.get("/kuendigen")
    assert page.status_code == 200
    return client.post("/kuendigen", data={"csrftoken": csrf_of(page), **fields})


def test_every_page_links_to_the_cancellation_page_without_signing_in(client: TestClient) -> None:
    for path in ("/", "/sign-in", "/plans", "/help", "/no-such-page"):
        assert 'href="/kuendigen"' in client.get(path).text
    page = client.get("/kuendigen")
    assert "Verträge hier kündigen" in page.text
    assert "jetzt kündigen" in page.text
    for field in ('name="kind"', 'name="name"', 'name="email"', 'name="contract"', 'name="end"'):
        assert field in page.text


def test_a_german_customer_cancels_without_signing_in_and_is_emailed_at_once(
    client: TestClient, database: Database, runtime: Runtime, clock: TestClock, smtp: SmtpServer
) -> None:
    owner = Visitor(client)
    email = owner.sign_up(country="DE", locale="de")
    sid = subscription_id_of(owner.buy(plan_id(client, "av1-year-eur")).headers["location"])
    client.cookies.clear()  # a visitor who is not signed in
    done = _declare(client, kind="ordinary", name="Bruno Beispiel", email=email.upper())
    assert done.status_code == 200
    assert "Kündigung eingegangen" in done.text
    assert "15. Januar 2027" in done.text
    with database.reading() as session:
        subscription = session.get(Subscription, uuid.UUID(sid))
        assert subscription is not None
        assert not subscription.auto_renew
        declaration = session.scalars(select(CancellationDeclaration)).one()
        assert (declaration.status, declaration.email) == ("applied", email)
        public_id = declaration.public_id
        actions = set(session.scalars(select(AuditEvent.action)))
    assert "declaration.received" in actions
    _deliver(database, runtime, clock)
    mail = next(m for m in smtp.mailbox.messages if public_id in str(m["Subject"]))
    text = smtp.mailbox.text_of(mail)
    assert "Eingegangen am: 15. Januar 2026, 10:00 UTC" in text
    assert "ordentliche Kündigung" in text
    assert "endet am 15. Januar 2027" in text


def test_a_declaration_that_matches_no_account_is_kept_and_confirmed(
    client: TestClient, database: Database, runtime: Runtime, clock: TestClock, smtp: SmtpServer
) -> None:
    done = _declare(client, kind="ordinary", name="Nina Niemand", email="nina@example.com")
    assert done.status_code == 200
    with database.reading() as session:
        declaration = session.scalars(select(CancellationDeclaration)).one()
        assert declaration.status == "needs_review"
    _deliver(database, runtime, clock)
    (mail,) = smtp.mailbox.messages
    assert mail["To"] == "nina@example.com"
    assert "keinen Vertrag gefunden" in smtp.mailbox.text_of(mail)


def test_an_extraordinary_cancellation_needs_a_reason(
    client: TestClient, database: Database
) -> None:
    refused = _declare(client, kind="extraordinary", name="Nina", email="nina@example.com")
    assert refused.status_code == 400
    assert 'id="reason-error"' in refused.text
    with database.reading() as session:
        assert session.scalars(select(CancellationDeclaration)).first() is None


def test_missing_identity_is_reported_next_to_the_field_in_german(client: TestClient) -> None:
    refused = _declare(client, kind="ordinary", name="", email="not-an-email")
    assert refused.status_code == 400
    assert "Bitte Ihren Namen angeben." in refused.text


def test_a_contract_field_limits_the_cancellation_to_that_contract(
    client: TestClient, database: Database
) -> None:
    owner = Visitor(client)
    email = owner.sign_up(country="DE", locale="de")
    av = subscription_id_of(owner.buy(plan_id(client, "av1-year-eur")).headers["location"])
    total = subscription_id_of(owner.buy(plan_id(client, "total5-year-eur")).headers["location"])
    client.cookies.clear()
    _declare(client, kind="ordinary", name="Bruno", email=email, contract="Shield Total")
    with database.reading() as session:
        rows = {str(s.id): s.auto_renew for s in session.scalars(select(Subscription))}
    assert rows == {av: True, total: False}
