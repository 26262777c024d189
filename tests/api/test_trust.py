"""The trust check over HTTP: anyone checks a page, number, link or address against the
registry, sees the official channels, and reports what poses as us."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from subdesk.context import Runtime, Work
from subdesk.db import Database
from subdesk.trust.demo import seed_official_channels

OFFICIAL = "+18005550199"
UNKNOWN = "+18885550143"
HELP_PAGE = (
    "<h1>How to cancel Shield Antivirus</h1>"
    "<p>Open My account, choose the subscription and press Cancel: two clicks, and you get "
    "a confirmation email at once. You never need to call us to cancel.</p>"
    "<p>Questions about your bill? Our official toll-free support line is "
    "1-800-555-0199, Monday to Friday.</p>"
)


@pytest.fixture
def channels(database: Database, runtime: Runtime) -> None:
    with database.transaction() as session:
        seed_official_channels(Work(session, runtime))


@pytest.fixture
def trust(client: TestClient, channels: None) -> TestClient:
    return client


def check(client: TestClient, **body: str) -> dict[str, object]:
    response = client.post("/api/v1/trust/check", json=body)
    assert response.status_code == 200, response.text
    result: dict[str, object] = response.json()
    return result


def test_an_official_number_alone_on_a_help_page_is_official(trust: TestClient) -> None:
    result = check(trust, text=HELP_PAGE)
    assert result["verdict"] == "official"
    assert result["score"] == 0


def test_the_help_page_with_an_unknown_toll_free_number_repeated_is_likely_scam(
    trust: TestClient,
) -> None:
    extra = "<p>Shield billing, toll-free: 1 (888) 555-0143 - call 1-888-555-0143 now.</p>" * 2
    result = check(trust, text=HELP_PAGE + extra)
    assert result["verdict"] == "likely_scam"
    reasons = result["reasons"]
    assert isinstance(reasons, list)
    posing = next(r for r in reasons if r["code"] == "posing_as_official")
    assert UNKNOWN in posing["explanation"]
    evidence = posing["evidence"][0]
    assert evidence["normalised"] == UNKNOWN
    assert evidence["count"] == 4
    assert evidence["toll_free"] is True
    assert evidence["places"][0]["as_found"] == "1 (888) 555-0143"
    assert "/account" in posing["advice"]
    assert "/contact" in posing["advice"]


def test_a_disguised_number_is_named_with_its_disguise(trust: TestClient) -> None:
    page = "Shield support ١-٨٨٨-٥٥٥-٠١٤٣ or 1-8OO-555-O143 to cancel your auto-renewal."
    result = check(trust, text=page)
    disguised = [r for r in result["reasons"] if r["code"] == "disguised_number"]  # type: ignore[union-attr]
    assert {r["evidence"][0]["normalised"] for r in disguised} == {UNKNOWN, "+18005550143"}
    assert "digits of another alphabet" in disguised[0]["explanation"]


@pytest.mark.parametrize(
    ("body", "verdict"),
    [
        ({"phone": "1 (800) 555-0199"}, "official"),
        ({"phone": "+49 800 5550199"}, "official"),
        ({"phone": "1-888-555-0143"}, "not_official"),
        ({"url": "https://help.shield.example/cancel"}, "official"),
        ({"url": "https://shield-support.blogspot.com"}, "likely_scam"),
        ({"email": "no-reply@subdesk.example"}, "official"),
        ({"email": "shield.refunds@gmail.com"}, "likely_scam"),
        ({"email": "someone@example.org"}, "not_official"),
    ],
)
def test_one_number_link_or_address_gets_a_verdict(
    trust: TestClient, body: dict[str, str], verdict: str
) -> None:
    assert check(trust, **body)["verdict"] == verdict


def test_the_check_needs_no_sign_in_and_exactly_one_input(trust: TestClient) -> None:
    both = trust.post("/api/v1/trust/check", json={"phone": "1", "url": "x"})
    none = trust.post("/api/v1/trust/check", json={})
    assert both.status_code == none.status_code == 422
    assert both.json()["error"]["code"] == "invalid_request"


def test_something_that_is_no_number_is_refused_plainly(trust: TestClient) -> None:
    response = trust.post("/api/v1/trust/check", json={"phone": "call me"})
    assert response.status_code == 400
    assert response.json()["error"] == {
        "code": "invalid_phone",
        "message": "We could not read a phone number in this.",
        "field": "phone",
    }


def test_a_page_over_one_megabyte_is_refused_with_413(trust: TestClient) -> None:
    response = trust.post("/api/v1/trust/check", json={"text": "ä" * 600_000})
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "too_large"
    assert response.json()["error"]["field"] == "text"


def test_a_body_over_the_request_limit_is_refused_with_413_and_the_error_body(
    trust: TestClient,
) -> None:
    response = trust.post(
        "/api/v1/trust/check",
        content=b'{"text": "' + b"1 " * (3 * 1_048_576) + b'"}',
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 413
    assert set(response.json()["error"]) == {"code", "message", "field"}
    assert response.json()["error"]["code"] == "too_large"


def test_a_megabyte_of_spaced_digits_is_checked_through_the_api(trust: TestClient) -> None:
    page = ("1 8 8 8 5 5 5 0 1 4 3 " * (1_048_576 // 22 + 1))[:1_048_576]
    assert check(trust, text=page)["verdict"] == "likely_scam"


def test_a_page_of_exactly_one_megabyte_is_checked(trust: TestClient) -> None:
    page = (HELP_PAGE * (1_048_576 // len(HELP_PAGE) + 1))[:1_048_576]
    assert check(trust, text=page)["verdict"] == "official"


def test_the_official_channels_are_public_and_say_cancelling_needs_no_call(
    trust: TestClient,
) -> None:
    response = trust.get("/api/v1/trust/channels")
    assert response.status_code == 200
    body = response.json()
    assert [p["number"] for p in body["phones"]] == [OFFICIAL, "+498005550199"]
    assert body["phones"][0]["toll_free"] is True
    assert body["phones"][0]["hours"] == "Mon-Fri 8:00-20:00 ET"
    assert body["web_domains"] == ["shield.example", "subdesk.example"]
    assert body["email_domains"] == ["shield.example", "subdesk.example"]
    assert "never needs a phone call" in body["note"]
