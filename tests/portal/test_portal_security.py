"""The portal's defences: CSRF on every form, rate-limited sign-in, one customer per session."""

from __future__ import annotations

from fastapi.testclient import TestClient

from subdesk.portal.app import SESSION_COOKIE
from tests.factories import plan_id
from tests.portal.pages import PASSWORD, Visitor, csrf_of, subscription_id_of


def test_a_form_without_the_csrf_token_is_refused(client: TestClient) -> None:
    visitor = Visitor(client)
    visitor.sign_up()
    sid = subscription_id_of(visitor.buy(plan_id(client, "av1-year-usd")).headers["location"])
    refused = client.post(f"/account/subscriptions/{sid}/cancel", data={"when": "now"})
    assert refused.status_code == 403
    forged = client.post(
        f"/account/subscriptions/{sid}/cancel", data={"when": "now", "csrftoken": "forged"}
    )
    assert forged.status_code == 403
    assert "Cancel now" in client.get(f"/account/subscriptions/{sid}/cancel").text


def test_the_sign_in_form_is_protected_even_without_cookies(client: TestClient) -> None:
    fresh = TestClient(client.app)
    response = fresh.post("/sign-in", data={"email": "a@example.com", "password": "x"})
    assert response.status_code == 403


def test_the_json_api_is_not_affected_by_the_portal_cookies(client: TestClient) -> None:
    Visitor(client).sign_up()  # the client now holds session and CSRF cookies
    response = client.post(
        "/api/v1/accounts",
        json={"email": "api@example.com", "password": PASSWORD, "country": "US", "region": "CA"},
    )
    assert response.status_code == 202


def test_the_session_cookie_is_http_only_and_same_site(client: TestClient) -> None:
    page = client.get("/sign-up")
    response = client.post(
        "/sign-up",
        data={
            "csrftoken": csrf_of(page),
            "email": "cookie@example.com",
            "password": PASSWORD,
            "country": "DE",
        },
        follow_redirects=False,
    )
    cookie = next(
        value
        for name, value in response.headers.multi_items()
        if name == "set-cookie" and value.startswith(SESSION_COOKIE)
    )
    assert "httponly" in cookie.lower()
    assert "samesite=lax" in cookie.lower()


def test_another_customers_subscription_answers_404(client: TestClient, app: object) -> None:
    owner = Visitor(client)
    owner.sign_up()
    sid = subscription_id_of(owner.buy(plan_id(client, "av1-year-usd")).headers["location"])
    with TestClient(client.app) as other_client:
        Visitor(other_client).sign_up()
        for path in (
            f"/account/subscriptions/{sid}",
            f"/account/subscriptions/{sid}/cancel",
        ):
            response = other_client.get(path)
            assert response.status_code == 404
            assert "Page not found" in response.text
        page = other_client.get("/account")
        response = other_client.post(
            f"/account/subscriptions/{sid}/cancel",
            data={"csrftoken": csrf_of(page), "when": "now"},
        )
        assert response.status_code == 404
    assert "Cancel now" in client.get(f"/account/subscriptions/{sid}/cancel").text


def test_pages_for_customers_send_visitors_to_sign_in(client: TestClient) -> None:
    response = client.get("/account/devices", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/sign-in?next=/account/devices"


def test_sign_out_ends_the_session(client: TestClient) -> None:
    Visitor(client).sign_up()
    page = client.get("/account")
    client.post("/sign-out", data={"csrftoken": csrf_of(page)})
    assert client.get("/account", follow_redirects=False).status_code == 303


def test_unknown_pages_are_html_and_unknown_api_paths_json(client: TestClient) -> None:
    page = client.get("/no-such-page")
    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    api = client.get("/api/v1/no-such-thing")
    assert api.status_code == 404
    assert api.json()["error"]["code"] == "not_found"


def test_sign_in_is_rate_limited(strict_client: TestClient) -> None:
    email = "limited@example.com"  # made without signing in: every attempt counts
    account = {"email": email, "password": PASSWORD, "country": "US", "region": "CA"}
    assert strict_client.post("/api/v1/accounts", json=account).status_code == 202
    answers = []
    for _ in range(4):
        page = strict_client.get("/sign-in")
        answers.append(
            strict_client.post(
                "/sign-in",
                data={"csrftoken": csrf_of(page), "email": email, "password": "wrong password"},
            )
        )
    assert [a.status_code for a in answers] == [401, 401, 401, 429]
    assert "Too many sign-in attempts" in answers[-1].text
    page = strict_client.get("/sign-in")
    right = strict_client.post(
        "/sign-in", data={"csrftoken": csrf_of(page), "email": email, "password": PASSWORD}
    )
    assert right.status_code == 429
