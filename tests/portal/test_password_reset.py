"""Password reset by email: a one-time link that works for an hour and signs out everywhere."""

from __future__ import annotations

import re
from datetime import timedelta

from fastapi.testclient import TestClient

from subdesk.clock import TestClock
from subdesk.context import Runtime
from subdesk.db import Database
from subdesk.notifications.smtp import SmtpSender, deliver_pending
from tests.portal.pages import PASSWORD, Visitor, csrf_of
from tests.smtp import SmtpServer

NEW_PASSWORD = "a brand new passphrase"


def _ask(client: TestClient, email: str) -> str:
    page = client.get("/forgot-password")
    answer = client.post("/forgot-password", data={"csrftoken": csrf_of(page), "email": email})
    assert answer.status_code == 200
    assert "If this address has an account" in answer.text
    return answer.text


def _link(database: Database, runtime: Runtime, clock: TestClock, smtp: SmtpServer) -> str:
    deliver_pending(database, SmtpSender(runtime.settings), clock.now())
    mail = next(m for m in smtp.mailbox.messages if "new password" in str(m["Subject"]))
    found = re.search(r"/reset-password\?token=([\w-]+)", smtp.mailbox.text_of(mail))
    assert found
    return found.group(1)


def _set(client: TestClient, token: str, password: str) -> object:
    page = client.get(f"/reset-password?token={token}")
    return client.post(
        "/reset-password",
        data={"csrftoken": csrf_of(page), "token": token, "password": password},
        follow_redirects=False,
    )


def test_a_customer_resets_the_password_by_email_and_is_signed_out_everywhere(
    client: TestClient, database: Database, runtime: Runtime, clock: TestClock, smtp: SmtpServer
) -> None:
    visitor = Visitor(client)
    email = visitor.sign_up()
    api = client.post("/api/v1/auth/token", json={"email": email, "password": PASSWORD}).json()
    with TestClient(client.app) as stranger:
        _ask(stranger, email)
        token = _link(database, runtime, clock, smtp)
        done = _set(stranger, token, NEW_PASSWORD)
        assert done.status_code == 303
        assert done.headers["location"] == "/sign-in?reset=1"
        assert stranger.get(f"/reset-password?token={token}").status_code == 400
        page = stranger.get("/forgot-password")
        again = stranger.post(
            "/reset-password",
            data={"csrftoken": csrf_of(page), "token": token, "password": "another passphrase"},
        )
        assert again.status_code == 400
        assert "expired or was already used" in again.text
    assert client.get("/account", follow_redirects=False).status_code == 303
    headers = {"Authorization": f"Bearer {api['access_token']}"}
    assert client.get("/api/v1/me", headers=headers).status_code == 401
    signed_in = client.post("/api/v1/auth/token", json={"email": email, "password": NEW_PASSWORD})
    assert signed_in.status_code == 200


def test_the_answer_is_the_same_for_an_unknown_address_and_no_email_goes_out(
    client: TestClient, database: Database, runtime: Runtime, clock: TestClock, smtp: SmtpServer
) -> None:
    email = Visitor(client).sign_up()
    client.cookies.clear()
    known = _ask(client, email)
    unknown = _ask(client, "nobody@example.com")
    assert known == unknown
    deliver_pending(database, SmtpSender(runtime.settings), clock.now())
    resets = [m for m in smtp.mailbox.messages if "new password" in str(m["Subject"])]
    assert [m["To"] for m in resets] == [email]


def test_a_link_expires_after_an_hour(
    client: TestClient, database: Database, runtime: Runtime, clock: TestClock, smtp: SmtpServer
) -> None:
    email = Visitor(client).sign_up()
    client.cookies.clear()
    _ask(client, email)
    token = _link(database, runtime, clock, smtp)
    clock.advance(timedelta(hours=1))
    page = client.get(f"/reset-password?token={token}")
    assert page.status_code == 400
    assert "expired or was already used" in page.text


def test_a_short_new_password_is_refused_next_to_the_field(
    client: TestClient, database: Database, runtime: Runtime, clock: TestClock, smtp: SmtpServer
) -> None:
    email = Visitor(client).sign_up()
    client.cookies.clear()
    _ask(client, email)
    token = _link(database, runtime, clock, smtp)
    refused = _set(client, token, "short")
    assert refused.status_code == 400
    assert 'id="password-error"' in refused.text
    assert _set(client, token, NEW_PASSWORD).status_code == 303
