""" "Verträge hier kündigen" (§ 312k BGB): cancelling without signing in, confirmed at once,
without telling whoever typed an email anything about that email's account."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from subdesk.app import create_app
from subdesk.clock import TestClock
from subdesk.context import Runtime
from subdesk.db import Database
from subdesk.models import AuditEvent, CancellationDeclaration, OutboxEmail, Subscription
from tests.factories import plan_id
from tests.portal.kuendigen import (
    CANCELLATION_ID,
    ENDS,
    PLAN,
    declaration_mail,
    declare,
    deliver,
    dispute_token,
    german_customer,
    reference_of,
)
from tests.portal.pages import Visitor, subscription_id_of
from tests.smtp import SmtpServer

UNKNOWN = "nina.niemand@example.com"
LIMIT = 2  # declarations a minute per email, and per client address, in the limiter's tests


def test_every_page_links_to_the_cancellation_page_without_signing_in(client: TestClient) -> None:
    for path in ("/", "/sign-in", "/plans", "/help", "/no-such-page"):
        assert 'href="/kuendigen"' in client.get(path).text
    page = client.get("/kuendigen")
    assert "Verträge hier kündigen" in page.text
    assert "jetzt kündigen" in page.text
    for field in ('name="kind"', 'name="name"', 'name="email"', 'name="contract"', 'name="end"'):
        assert field in page.text


def test_a_declaration_stops_renewal_at_once_and_the_page_shows_only_what_was_typed(
    client: TestClient, database: Database
) -> None:
    email, sid = german_customer(client)
    done = declare(client, kind="ordinary", name="Bruno Beispiel", email=email.upper())
    assert done.status_code == 200
    assert "Kündigung eingegangen" in done.text
    assert "15. Januar 2026, 10:00 UTC" in done.text  # received: the date and time
    assert "Bruno Beispiel" in done.text
    assert email in done.text
    assert "ordentliche Kündigung" in done.text
    for secret in (PLAN, ENDS):
        assert secret not in done.text
    assert not CANCELLATION_ID.search(done.text)
    with database.reading() as session:
        subscription = session.get(Subscription, uuid.UUID(sid))
        assert subscription is not None
        assert not subscription.auto_renew
        declaration = session.scalars(select(CancellationDeclaration)).one()
        assert (declaration.status, declaration.email) == ("applied", email)
        assert declaration.public_id == reference_of(done)
        actions = set(session.scalars(select(AuditEvent.action)))
    assert "declaration.received" in actions


def _normalised(text: str, reference: str, email: str) -> str:
    return text.replace(reference, "REFERENCE").replace(email, "EMAIL")


def test_a_known_and_an_unknown_email_get_the_same_page(
    client: TestClient, database: Database
) -> None:
    email, _sid = german_customer(client)
    known = declare(client, kind="ordinary", name="Bruno", email=email, contract="Antivirus")
    unknown = declare(client, kind="ordinary", name="Bruno", email=UNKNOWN, contract="Antivirus")
    assert known.status_code == unknown.status_code == 200
    assert _normalised(known.text, reference_of(known), email) == _normalised(
        unknown.text, reference_of(unknown), UNKNOWN
    )
    for secret in (PLAN, ENDS):
        assert secret not in known.text
    assert not CANCELLATION_ID.search(known.text)


def test_the_account_is_emailed_the_contracts_with_a_this_was_not_me_link(
    client: TestClient, database: Database, runtime: Runtime, clock: TestClock, smtp: SmtpServer
) -> None:
    email, _sid = german_customer(client)
    done = declare(client, kind="ordinary", name="Bruno Beispiel", email=email.upper())
    deliver(database, runtime, clock)
    mails = [m for m in smtp.mailbox.messages if reference_of(done) in str(m["Subject"])]
    assert [str(m["To"]) for m in mails] == [email]
    text = declaration_mail(smtp, reference_of(done))
    assert "Eingegangen am: 15. Januar 2026, 10:00 UTC" in text
    assert "ordentliche Kündigung" in text
    assert f"{PLAN}: endet am {ENDS}" in text
    assert CANCELLATION_ID.search(text)
    assert "Das waren nicht Sie?" in text
    assert dispute_token(text)


def test_a_declaration_that_matches_no_account_is_kept_but_mails_nobody(
    client: TestClient, database: Database, runtime: Runtime, clock: TestClock, smtp: SmtpServer
) -> None:
    done = declare(client, kind="ordinary", name="Nina Niemand", email=UNKNOWN)
    assert done.status_code == 200
    with database.reading() as session:
        declaration = session.scalars(select(CancellationDeclaration)).one()
        assert (declaration.status, declaration.account_id) == ("needs_review", None)
        assert declaration.dispute_token_hash is None
    deliver(database, runtime, clock)
    assert smtp.mailbox.messages == []


def test_an_extraordinary_cancellation_needs_a_reason(
    client: TestClient, database: Database
) -> None:
    refused = declare(client, kind="extraordinary", name="Nina", email=UNKNOWN)
    assert refused.status_code == 400
    assert 'id="reason-error"' in refused.text
    with database.reading() as session:
        assert session.scalars(select(CancellationDeclaration)).first() is None


@pytest.mark.parametrize(
    "fields",
    [
        {"kind": "extraordinary"},
        {"end": "2020-01-01"},
        {"end": "next week"},
        {"name": ""},
        {"kind": "whenever"},
    ],
    ids=["no-reason", "past-end", "bad-end", "no-name", "bad-kind"],
)
def test_bad_input_is_refused_and_writes_nothing(
    client: TestClient, database: Database, fields: dict[str, str]
) -> None:
    email, sid = german_customer(client)
    with database.reading() as session:
        emails = session.scalar(select(func.count()).select_from(OutboxEmail))
        events = session.scalar(select(func.count()).select_from(AuditEvent))
    refused = declare(client, **{"kind": "ordinary", "name": "Bruno", "email": email, **fields})
    assert 400 <= refused.status_code < 500
    with database.reading() as session:
        assert session.scalars(select(CancellationDeclaration)).first() is None
        subscription = session.get(Subscription, uuid.UUID(sid))
        assert subscription is not None
        assert subscription.auto_renew
        assert session.scalar(select(func.count()).select_from(OutboxEmail)) == emails
        assert session.scalar(select(func.count()).select_from(AuditEvent)) == events


def test_missing_identity_is_reported_next_to_the_field_in_german(client: TestClient) -> None:
    refused = declare(client, kind="ordinary", name="", email="not-an-email")
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
    declare(client, kind="ordinary", name="Bruno", email=email, contract="Shield Total")
    with database.reading() as session:
        rows = {str(s.id): s.auto_renew for s in session.scalars(select(Subscription))}
    assert rows == {av: True, total: False}


@pytest.fixture
def limited(
    runtime: Runtime, database: Database, catalog: None
) -> Iterator[Callable[[str], TestClient]]:
    """Clients, each from its own address, of one app that allows two declarations a minute."""
    strict = runtime.settings.model_copy(update={"declarations_per_minute": LIMIT})
    app = create_app(
        runtime=Runtime(strict, runtime.clock, runtime.gateway, runtime.signer), database=database
    )
    with ExitStack() as stack:
        yield lambda address: stack.enter_context(TestClient(app, client=(address, 50000)))


def _declarations(database: Database) -> int:
    with database.reading() as session:
        return session.scalar(select(func.count()).select_from(CancellationDeclaration)) or 0


def test_declarations_from_one_address_are_limited(
    limited: Callable[[str], TestClient], database: Database
) -> None:
    client = limited("203.0.113.7")
    for n in range(LIMIT):
        assert declare(client, kind="ordinary", name="Nina", email=f"n{n}@example.com").is_success
    refused = declare(client, kind="ordinary", name="Nina", email="another@example.com")
    assert refused.status_code == 429
    assert "zu viele Kündigungen" in refused.text
    assert "Es wurde nichts gespeichert." in refused.text
    assert int(refused.headers["Retry-After"]) >= 1
    assert _declarations(database) == LIMIT
    other = limited("198.51.100.9")
    assert declare(other, kind="ordinary", name="Nina", email="another@example.com").is_success


def test_declarations_for_one_email_are_limited_whatever_the_address(
    limited: Callable[[str], TestClient], database: Database
) -> None:
    for n in range(LIMIT):
        client = limited(f"203.0.113.{n + 1}")
        email = " Nina@Example.com " if n else "nina@example.com"
        assert declare(client, kind="ordinary", name="Nina", email=email).is_success
    refused = declare(limited("198.51.100.9"), kind="ordinary", name="N", email="NINA@example.com")
    assert refused.status_code == 429
    assert _declarations(database) == LIMIT
