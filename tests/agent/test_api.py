"""The agent API's door: staff tokens for password and TOTP code, kept as digests, revoked at
once, rate-limited; customers' tokens, disabled staff and one-time passwords stay out."""

from __future__ import annotations

import hashlib
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select

from subdesk.audit.log import Actor
from subdesk.clock import TestClock
from subdesk.context import Runtime, Work
from subdesk.db import Database
from subdesk.models import StaffToken
from subdesk.support import staff, totp
from tests.agent.agent_api import API, ask_token, error_of, staff_headers
from tests.agent.console import Member, enrol, events
from tests.factories import customer


def test_a_token_is_issued_for_password_and_code_and_stored_only_as_its_digest(
    client: TestClient, clock: TestClock, agent: Member, database: Database
) -> None:
    answer = ask_token(client, clock, agent)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["token_type"] == "bearer"
    assert body["staff"]["id"] == str(agent.id)
    assert body["staff"]["role"] == "agent"
    issued_for = clock.now()
    with database.reading() as session:
        (row,) = session.scalars(select(StaffToken))
        assert row.token_hash == hashlib.sha256(body["access_token"].encode()).hexdigest()
        assert row.expires_at == issued_for + timedelta(hours=12)
    (event,) = events(database, "staff.token_issued")
    assert (event.actor_type, event.actor_id) == ("staff", str(agent.id))
    assert body["access_token"] not in str(event.after)


def test_a_revoked_token_stops_working_at_once(
    client: TestClient, clock: TestClock, agent: Member, database: Database
) -> None:
    headers = staff_headers(client, clock, agent)
    assert client.get(f"{API}/cases", headers=headers).status_code == 200
    assert client.delete(f"{API}/auth/token", headers=headers).status_code == 204
    refused = client.get(f"{API}/cases", headers=headers)
    assert refused.status_code == 401
    assert error_of(refused)["code"] == "invalid_token"
    assert client.delete(f"{API}/auth/token", headers=headers).status_code == 401
    assert len(events(database, "staff.token_revoked")) == 1


def test_a_token_ends_after_twelve_hours(
    client: TestClient, clock: TestClock, agent: Member
) -> None:
    headers = staff_headers(client, clock, agent)
    clock.advance(timedelta(hours=12))
    assert client.get(f"{API}/cases", headers=headers).status_code == 401


def test_a_wrong_or_reused_code_gets_no_token(
    client: TestClient, clock: TestClock, agent: Member, database: Database
) -> None:
    first = ask_token(client, clock, agent)
    assert first.status_code == 200
    same = {
        "email": agent.email,
        "password": agent.password,
        "code": totp.code_at(agent.secret, clock.now()),
    }
    reused = client.post(f"{API}/auth/token", json=same)
    assert reused.status_code == 401
    assert error_of(reused)["code"] == "invalid_credentials"
    wrong = ask_token(client, clock, agent, code="000000")
    assert wrong.status_code == 401
    assert error_of(wrong)["message"] == "Wrong email, password or code."
    password = ask_token(client, clock, agent, password="not the password")
    assert password.status_code == 401
    assert error_of(password)["message"] == error_of(wrong)["message"]
    with database.reading() as session:
        assert len(list(session.scalars(select(StaffToken)))) == 1


def test_token_sign_in_is_rate_limited(
    strict_client: TestClient, clock: TestClock, agent: Member
) -> None:
    for _ in range(3):
        assert ask_token(strict_client, clock, agent, code="000000").status_code == 401
    limited = ask_token(strict_client, clock, agent)
    assert limited.status_code == 429
    assert error_of(limited)["code"] == "rate_limited"
    assert int(limited.headers["Retry-After"]) > 0


def test_no_token_is_a_401_and_a_customers_token_is_refused(
    client: TestClient, clock: TestClock, agent: Member
) -> None:
    missing = client.get(f"{API}/customers", params={"q": "someone"})
    assert missing.status_code == 401
    assert error_of(missing)["code"] == "staff_token_needed"
    who = customer(client)
    refused = client.get(f"{API}/customers", params={"q": who.email}, headers=who.headers)
    assert refused.status_code == 401
    assert error_of(refused)["code"] == "invalid_token"
    # Nor does a staff token open a customer's API.
    assert client.get("/api/v1/me", headers=staff_headers(client, clock, agent)).status_code == 401


def test_a_disabled_staff_members_token_stops_working(
    client: TestClient, clock: TestClock, agent: Member, database: Database, runtime: Runtime
) -> None:
    headers = staff_headers(client, clock, agent)
    with database.transaction() as session:
        work = Work(session, runtime, Actor("operator", "test"))
        staff.disable(work, staff.get(work, agent.id), "left the company")
    assert client.get(f"{API}/cases", headers=headers).status_code == 401
    assert ask_token(client, clock, agent).status_code == 401
    with database.reading() as session:
        assert all(row.revoked_at is not None for row in session.scalars(select(StaffToken)))


def test_a_one_time_password_must_be_changed_in_the_console_first(
    client: TestClient, clock: TestClock, database: Database, runtime: Runtime
) -> None:
    newcomer = enrol(database, runtime, "agent", one_time=True)
    refused = ask_token(client, clock, newcomer)
    assert refused.status_code == 403
    assert error_of(refused)["code"] == "password_change_needed"


def test_an_agent_cannot_use_an_admin_only_endpoint(
    client: TestClient, clock: TestClock, agent: Member, admin: Member
) -> None:
    refused = client.get(f"{API}/staff", headers=staff_headers(client, clock, agent))
    assert refused.status_code == 403
    assert error_of(refused)["code"] == "not_allowed"
    listed = client.get(f"{API}/staff", headers=staff_headers(client, clock, admin))
    assert listed.status_code == 200
    assert {s["email"] for s in listed.json()} == {agent.email, admin.email}
    assert "totp_secret" not in listed.text
    assert "password_hash" not in listed.text


def test_the_agent_api_is_described_under_its_own_tag(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    agent_paths = [p for p in paths if p.startswith(f"{API}/")]
    assert f"{API}/customers/{{account_id}}" in agent_paths
    assert f"{API}/refund-exceptions/{{exception_id}}/approve" in agent_paths
    for path in agent_paths:
        for operation in paths[path].values():
            assert operation["tags"] == ["agent"]
