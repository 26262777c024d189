"""Acceptance 6 (console side): TOTP sign-in, a customer session never reaches /agent, roles,
and every console form refuses a post without its CSRF token."""

from __future__ import annotations

import html
import uuid
from datetime import timedelta
from urllib.parse import quote

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from httpx2 import Response

from subdesk.agent import auth, cases, customers, exceptions, search, staff
from subdesk.clock import TestClock
from subdesk.context import Runtime
from subdesk.db import Database
from subdesk.support import totp
from tests.agent.console import Console, Member, console, enrol, events
from tests.portal.pages import Visitor, csrf_of


def test_sign_in_needs_the_password_and_a_current_totp_code(
    app: FastAPI, clock: TestClock, agent: Member
) -> None:
    browser = console(app, clock)
    wrong = browser.submit(
        "/agent/sign-in",
        "/agent/sign-in",
        email=agent.email,
        password="staff password 1",
        code="000000" if totp.code_at(agent.secret, clock.now()) != "000000" else "111111",
    )
    assert wrong.status_code == 401
    assert "Wrong email, password or code." in wrong.text
    assert browser.client.get("/agent", follow_redirects=False).status_code == 303
    signed = browser.sign_in(agent)
    assert signed.status_code == 303
    assert signed.headers["location"] == "/agent"
    assert "Find a customer" in browser.client.get("/agent").text


def _sign_in_from(browser: Console, member: Member, page: str, back: str) -> Response:
    """Post the sign-in form of `page` (a sign-in URL) with `back` as its `next`."""
    assert browser.clock is not None
    code = totp.code_at(member.secret, browser.clock.now())
    fields = {"email": member.email, "password": member.password, "code": code, "next": back}
    return browser.submit(page, "/agent/sign-in", **fields)


def test_sign_in_returns_to_the_page_with_its_query_string(
    app: FastAPI, clock: TestClock, agent: Member
) -> None:
    browser = console(app, clock)
    sent = browser.client.get("/agent/dashboard?days=14&x=a%26b", follow_redirects=False)
    assert sent.status_code == 303
    page = sent.headers["location"]
    assert page == "/agent/sign-in?next=/agent/dashboard%3Fdays%3D14%26x%3Da%2526b"
    back = "/agent/dashboard?days=14&amp;x=a%26b"  # as the form's hidden field holds it
    assert f'name="next" value="{back}"' in browser.client.get(page).text
    signed = _sign_in_from(browser, agent, page, html.unescape(back))
    assert signed.headers["location"] == "/agent/dashboard?days=14&x=a%26b"
    assert "The last 14 days" in browser.client.get(signed.headers["location"]).text


@pytest.mark.parametrize(
    "elsewhere",
    [
        "//evil.example",
        "https://evil.example",
        "/\\evil.example",
        "/%5Cevil.example",
        "/%2F%2Fevil.example",
        "/%252F%252Fevil.example",
        "\t//evil.example",
        " /agent",
        "/agent\n//evil.example",
        "//evil.example/agent",
        "/agent.evil.example",
        "https://evil.example/agent",
        "javascript:alert(1)",
        "",
    ],
)
def test_sign_in_never_sends_anywhere_but_the_console(
    app: FastAPI, clock: TestClock, agent: Member, elsewhere: str
) -> None:
    browser = console(app, clock)
    page = f"/agent/sign-in?next={quote(elsewhere, safe='')}"
    assert 'name="next" value="/agent"' in browser.client.get(page).text
    signed = _sign_in_from(browser, agent, page, elsewhere)
    assert signed.status_code == 303
    assert signed.headers["location"] == "/agent"


def test_a_code_once_used_does_not_sign_in_again(
    app: FastAPI, clock: TestClock, agent: Member
) -> None:
    assert console(app, clock).sign_in(agent).status_code == 303
    assert console(app, clock).sign_in(agent).status_code == 401
    clock.advance(timedelta(seconds=30))
    assert console(app, clock).sign_in(agent).status_code == 303


def test_the_session_cookie_is_httponly_and_samesite(
    app: FastAPI, clock: TestClock, agent: Member
) -> None:
    response = console(app, clock).sign_in(agent)
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie
    assert "samesite=lax" in cookie


def test_a_customer_session_cannot_reach_the_console(client: TestClient) -> None:
    Visitor(client).sign_up()
    assert client.get("/account").status_code == 200
    for path in ("/agent", "/agent/cases", "/agent/exceptions", "/agent/staff"):
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 303, path
        assert response.headers["location"].startswith("/agent/sign-in")


def test_signing_out_of_the_console_leaves_the_customer_session_alone(
    client: TestClient, clock: TestClock, agent: Member
) -> None:
    both = Console(client, clock)
    both.sign_up()
    assert both.sign_in(agent).status_code == 303
    assert both.post_form("/agent", "/agent/sign-out").status_code == 303
    assert client.get("/agent", follow_redirects=False).status_code == 303
    assert client.get("/account").status_code == 200


def test_a_disabled_staff_member_is_signed_out_at_once(
    as_agent: Console, as_admin: Console, agent: Member
) -> None:
    page = "/agent/staff"
    response = as_admin.post_form(
        page, f"/agent/staff/{agent.id}/disable", reason="left the company"
    )
    assert response.status_code == 303
    assert as_agent.client.get("/agent", follow_redirects=False).status_code == 303


def test_an_agent_cannot_manage_staff(as_agent: Console, admin: Member) -> None:
    assert as_agent.client.get("/agent/staff").status_code == 403
    refused = as_agent.client.post(
        f"/agent/staff/{admin.id}/disable",
        data={"csrftoken": _token(as_agent), "reason": "taking over"},
    )
    assert refused.status_code == 403


def test_an_admin_enrols_staff_and_sees_the_secrets_once(
    as_admin: Console, database: Database
) -> None:
    response = as_admin.post_form(
        "/agent/staff", "/agent/staff", email="new@staff.example", name="Nia New", role="agent"
    )
    assert response.status_code == 200
    assert "otpauth://totp/" in response.text
    assert response.headers["cache-control"] == "no-store"
    listed = as_admin.client.get("/agent/staff").text
    assert "new@staff.example" in listed
    assert "otpauth" not in listed
    assert len(events(database, "staff.added")) >= 2


def test_a_one_time_password_must_be_changed_before_anything_else(
    app: FastAPI, clock: TestClock, database: Database, runtime: Runtime
) -> None:
    member = enrol(database, runtime, "agent", one_time=True)
    browser = console(app, clock)
    assert browser.sign_in(member).status_code == 303
    assert (
        browser.client.get("/agent", follow_redirects=False).headers["location"]
        == "/agent/password"
    )
    changed = browser.post_form(
        "/agent/password", "/agent/password", current=member.password, password="my own password"
    )
    assert changed.status_code == 303
    assert browser.client.get("/agent").status_code == 200


def _token(who: Console) -> str:
    return csrf_of(who.client.get("/agent"))


ANY = str(uuid.uuid4())
CONSOLE_FORMS = [
    "/agent/sign-in",
    "/agent/sign-out",
    "/agent/password",
    f"/agent/customers/{ANY}/subscriptions/{ANY}/cancel",
    f"/agent/customers/{ANY}/subscriptions/{ANY}/auto-renew-off",
    f"/agent/customers/{ANY}/subscriptions/{ANY}/refund",
    f"/agent/customers/{ANY}/subscriptions/{ANY}/exception",
    f"/agent/customers/{ANY}/devices/{ANY}/remove",
    f"/agent/customers/{ANY}/emails/{ANY}/resend",
    f"/agent/customers/{ANY}/subscriptions/{ANY}/provider-check",
    f"/agent/customers/{ANY}/cases",
    "/agent/cases/CASE-000001/reply",
    "/agent/cases/CASE-000001/note",
    "/agent/cases/CASE-000001/triage",
    "/agent/cases/CASE-000001/escalate",
    f"/agent/exceptions/{ANY}/approve",
    f"/agent/exceptions/{ANY}/reject",
    "/agent/staff",
    f"/agent/staff/{ANY}/disable",
]


@pytest.mark.parametrize("action", CONSOLE_FORMS)
def test_every_console_form_refuses_a_post_without_its_csrf_token(
    as_admin: Console, action: str
) -> None:
    response = as_admin.client.post(
        action, data={"reason": "no token here"}, follow_redirects=False
    )
    assert response.status_code == 403
    assert "Form expired" in response.text


def test_the_routes_checked_for_csrf_are_every_console_form() -> None:
    posts = {
        route.path
        for module in (auth, search, customers, cases, exceptions, staff)
        for route in module.router.routes
        if isinstance(route, APIRoute) and "POST" in route.methods
    }
    shapes = {_shape(p) for p in CONSOLE_FORMS}
    assert {_shape(p) for p in posts} == shapes


def _shape(path: str) -> str:
    parts = [p for p in path.split("/") if p]
    return "/".join(
        "*" if ("{" in p or len(p) == 36 or p.startswith("CASE-")) else p for p in parts
    )
