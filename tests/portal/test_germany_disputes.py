"""The "this wasn't me" link of a § 312k declaration: a confirm button, then renewal back on,
audited, once, within 30 days; the database keeps only the link's digest."""

from __future__ import annotations

import hashlib
import uuid
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from subdesk.clock import TestClock
from subdesk.context import Runtime
from subdesk.db import Database
from subdesk.models import (
    AuditEvent,
    Base,
    Cancellation,
    CancellationDeclaration,
    OutboxEmail,
    Subscription,
)
from tests.portal.kuendigen import (
    PLAN,
    declaration_mail,
    declare,
    deliver,
    dispute_token,
    german_customer,
    reference_of,
)
from tests.portal.pages import csrf_of
from tests.smtp import SmtpServer

LINK = "/kuendigen/nicht-ich"


@pytest.fixture
def declared(
    client: TestClient, database: Database, runtime: Runtime, clock: TestClock, smtp: SmtpServer
) -> tuple[str, str]:
    """A customer's renewal stopped by a declaration; (subscription id, the emailed token)."""
    email, sid = german_customer(client)
    done = declare(client, kind="ordinary", name="Mallory", email=email)
    deliver(database, runtime, clock)
    return sid, dispute_token(declaration_mail(smtp, reference_of(done)))


def _confirm(client: TestClient, token: str) -> object:
    page = client.get(f"{LINK}?token={token}")
    assert page.status_code == 200, page.text
    return client.post(LINK, data={"csrftoken": csrf_of(page), "token": token})


def _state(database: Database, sid: str) -> tuple[bool, str, list[str]]:
    with database.reading() as session:
        subscription = session.get(Subscription, uuid.UUID(sid))
        assert subscription is not None
        declaration = session.scalars(select(CancellationDeclaration)).one()
        cancellations = list(session.scalars(select(Cancellation.status)))
        return subscription.auto_renew, declaration.status, cancellations


def test_opening_the_link_shows_a_button_and_changes_nothing(
    client: TestClient, database: Database, declared: tuple[str, str]
) -> None:
    sid, token = declared
    page = client.get(f"{LINK}?token={token}")
    assert page.status_code == 200
    assert "Das war ich nicht" in page.text
    assert f'name="token" value="{token}"' in page.text
    assert 'method="post"' in page.text
    assert _state(database, sid) == (False, "applied", ["confirmed"])


def test_confirming_restores_auto_renew_audited_and_works_only_once(
    client: TestClient, database: Database, declared: tuple[str, str]
) -> None:
    sid, token = declared
    done = _confirm(client, token)
    assert done.status_code == 200
    assert PLAN in done.text  # the holder of the account's mailbox sees what renews again
    assert _state(database, sid) == (True, "disputed", ["revoked"])
    with database.reading() as session:
        events = {
            e.action: (e.actor_type, e.before, e.after, e.reason)
            for e in session.scalars(select(AuditEvent))
        }
    assert events["declaration.disputed"] == (
        "customer",
        {"status": "applied"},
        {"status": "disputed", "restored": [PLAN], "not_restored": []},
        "The account holder said they did not send this cancellation",
    )
    assert events["subscription.auto_renew_enabled"][0] == "customer"
    assert "cancellation.revoked" in events
    assert client.get(f"{LINK}?token={token}").status_code == 400
    page = client.get("/kuendigen")
    again = client.post(LINK, data={"csrftoken": csrf_of(page), "token": token})
    assert again.status_code == 400
    with database.reading() as session:
        actions = list(session.scalars(select(AuditEvent.action)))
    assert actions.count("declaration.disputed") == 1


def test_the_link_expires_after_30_days(
    client: TestClient, database: Database, clock: TestClock, declared: tuple[str, str]
) -> None:
    sid, token = declared
    clock.advance(timedelta(days=30, seconds=1))
    assert client.get(f"{LINK}?token={token}").status_code == 400
    page = client.get("/kuendigen")
    refused = client.post(LINK, data={"csrftoken": csrf_of(page), "token": token})
    assert refused.status_code == 400
    assert _state(database, sid) == (False, "applied", ["confirmed"])


def test_an_unknown_token_is_refused(client: TestClient) -> None:
    refused = client.get(f"{LINK}?token=not-a-token")
    assert refused.status_code == 400
    assert "abgelaufen oder wurde schon benutzt" in refused.text


def test_confirming_without_the_form_token_is_refused(
    client: TestClient, database: Database, declared: tuple[str, str]
) -> None:
    sid, token = declared
    client.cookies.clear()
    assert client.post(LINK, data={"token": token}).status_code == 403
    assert _state(database, sid) == (False, "applied", ["confirmed"])


def test_a_subscription_cancelled_again_since_stays_cancelled(
    client: TestClient, database: Database, declared: tuple[str, str]
) -> None:
    sid, token = declared
    with database.transaction() as session:
        for cancellation in session.scalars(select(Cancellation)):
            cancellation.status = "superseded"  # the holder cancelled it again themselves
    done = _confirm(client, token)
    assert done.status_code == 200
    with database.reading() as session:
        subscription = session.get(Subscription, uuid.UUID(sid))
        assert subscription is not None
        assert not subscription.auto_renew
        declaration = session.scalars(select(CancellationDeclaration)).one()
        assert declaration.status == "disputed"


def test_the_database_keeps_only_the_digest_of_the_link(
    database: Database, declared: tuple[str, str]
) -> None:
    _sid, token = declared
    with database.reading() as session:
        declaration = session.scalars(select(CancellationDeclaration)).one()
        assert declaration.dispute_token_hash == hashlib.sha256(token.encode()).hexdigest()
        # The outbox holds the email as sent, link and all; nothing else may hold the token.
        for table in Base.metadata.sorted_tables:
            if table.name == OutboxEmail.__tablename__:
                continue
            for row in session.execute(select(table)):
                assert token not in repr(tuple(row)), table.name
