"""Acceptance 6: forms need their CSRF token, sign-in is rate-limited, and another
customer's subscription is not found."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import httpx2
import pytest
from fastapi import FastAPI
from playwright.sync_api import Browser, Page, expect

from subdesk.app import build_runtime, create_app
from subdesk.clock import TestClock
from subdesk.config import Settings
from subdesk.db import Database
from tests.browser.flows import PASSWORD, buy, sign_in, sign_up
from tests.factories import customer, subscribe

ATTEMPTS = 3


def test_a_form_posted_without_its_csrf_token_is_refused(page: Page) -> None:
    sign_up(page)
    sid = buy(page, "Shield Antivirus, 1 device, yearly")
    page.goto(f"/account/subscriptions/{sid}")
    token = page.locator("form [name=csrftoken]").first.input_value()
    assert token

    forged = page.request.post(f"/account/subscriptions/{sid}/cancel", form={"when": "now"})
    assert forged.status == 403
    signed_out = page.request.post("/sign-out", form={})
    assert signed_out.status == 403
    page.goto(f"/account/subscriptions/{sid}")
    expect(page.locator("main")).not_to_contain_text("Canceled")


def test_a_public_form_posted_without_a_csrf_token_is_refused(page: Page) -> None:
    # A visitor with no cookies yet: sign-in, sign-up and the German page are protected too.
    for path in ("/sign-in", "/sign-up", "/kuendigen"):
        forged = page.request.post(path, form={"email": "x@example.com", "password": "x"})
        assert forged.status == 403, path


def test_the_session_cookie_is_http_only_and_same_site_lax(page: Page) -> None:
    sign_up(page)
    cookies = {c["name"]: c for c in page.context.cookies() if c["name"] != "csrftoken"}
    assert cookies, "no session cookie"
    for cookie in cookies.values():
        assert cookie["httpOnly"], cookie
        assert cookie["sameSite"] == "Lax", cookie


@pytest.fixture
def strict_sign_in_url(
    settings: Settings, clock: TestClock, database: Database, serve: Callable[[FastAPI], str]
) -> str:
    """The app served with a sign-in limit low enough to reach in a test."""
    strict = settings.model_copy(update={"sign_in_attempts_per_minute": ATTEMPTS})
    app = create_app(runtime=build_runtime(strict, clock=clock), database=database)
    return serve(app)


@pytest.fixture
def strict_page(browser: Browser, strict_sign_in_url: str) -> Iterator[Page]:
    context = browser.new_context(base_url=strict_sign_in_url)
    yield context.new_page()
    context.close()


def test_sign_in_is_rate_limited_after_repeated_wrong_passwords(
    strict_page: Page, strict_sign_in_url: str, catalog: None
) -> None:
    email = "limited@example.com"
    account = {"email": email, "password": PASSWORD, "country": "US", "region": "CA"}
    with httpx2.Client(base_url=strict_sign_in_url) as http:
        assert http.post("/api/v1/accounts", json=account).status_code == 202
    for _ in range(ATTEMPTS):
        sign_in(strict_page, email, "not the password")
        expect(strict_page.locator("main")).to_contain_text(re.compile("password", re.I))
    with strict_page.expect_response(lambda r: r.request.method == "POST") as answer:
        sign_in(strict_page, email, PASSWORD)
    assert answer.value.status == 429
    expect(strict_page.locator("main")).to_contain_text(re.compile("too many", re.I))
    assert "/sign-in" in strict_page.url


def test_another_customers_subscription_is_not_found(page: Page, base_url: str) -> None:
    with httpx2.Client(base_url=base_url) as http:
        alice = customer(http)
        theirs = subscribe(http, alice, "av1-year-usd")["id"]
    sign_up(page)
    for path in ("", "/cancel"):
        response = page.goto(f"/account/subscriptions/{theirs}{path}")
        assert response is not None
        assert response.status == 404, path
    forged = page.request.post(
        f"/account/subscriptions/{theirs}/cancel",
        form={"when": "now", "csrftoken": _csrf(page)},
    )
    assert forged.status == 404


def _csrf(page: Page) -> str:
    page.goto("/account")
    return page.locator("[name=csrftoken]").first.input_value()


def test_the_main_pages_keep_to_their_content_security_policy(page: Page) -> None:
    """The page fixture fails any test whose pages break their CSP; these are the pages."""
    for path in ("/", "/sign-up", "/sign-in", "/forgot-password", "/plans", "/help"):
        response = page.goto(path)
        assert response is not None
        assert "script-src 'self'" in response.headers["content-security-policy"]
        assert response.headers["x-frame-options"] == "DENY"
    for path in ("/kuendigen", "/check", "/agent/sign-in", "/no-such-page"):
        page.goto(path)
    sign_up(page)
    for path in ("/account", "/account/billing", "/account/cards", "/account/devices"):
        page.goto(path)
    expect(page.locator("main")).to_be_visible()
