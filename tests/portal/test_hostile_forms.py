"""Hostile input to the portal's forms: each gets a 4xx page or the form with the error."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.factories import PASSWORD, sign_up
from tests.portal.pages import Visitor

ELSEWHERE = [
    "//evil.example",
    "/\\evil.example",
    "/%5Cevil.example",
    "/%2F%2Fevil.example",
    "/%252F%252Fevil.example",
    "\\\\evil.example",
    "https://evil.example",
    "javascript:alert(1)",
    "\t//evil.example",
    "/\t/evil.example",
    " //evil.example",
    "/account\r\nLocation: //evil.example",
    "",
]


@pytest.mark.parametrize("elsewhere", ELSEWHERE)
def test_sign_in_never_sends_anywhere_but_this_site(client: TestClient, elsewhere: str) -> None:
    email = sign_up(client)["email"]
    signed = Visitor(client).submit(
        "/sign-in", "/sign-in", email=email, password=PASSWORD, next=elsewhere
    )
    assert signed.status_code == 303
    assert signed.headers["location"] == "/account"


@pytest.mark.parametrize("elsewhere", ELSEWHERE)
def test_the_sign_in_page_never_carries_a_foreign_next(client: TestClient, elsewhere: str) -> None:
    page = client.get("/sign-in", params={"next": elsewhere})
    assert 'name="next" value="/account"' in page.text


def test_sign_in_returns_to_a_page_of_this_site_with_its_query(client: TestClient) -> None:
    email = sign_up(client)["email"]
    back = "/account/devices?sort=name&q=a%20b"
    signed = Visitor(client).submit(
        "/sign-in", "/sign-in", email=email, password=PASSWORD, next=back
    )
    assert signed.headers["location"] == back
