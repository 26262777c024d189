"""Hostile input to the portal's forms: each gets a 4xx page or the form with the error."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from subdesk.db import Database
from subdesk.models import Account, PaymentMethod
from tests.factories import PASSWORD, sign_up
from tests.portal.pages import Visitor, csrf_of

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


PUBLIC_FORMS = [
    ("/sign-in", "/sign-in"),
    ("/sign-up", "/sign-up"),
    ("/forgot-password", "/forgot-password"),
    ("/kuendigen", "/kuendigen"),
    ("/check", "/check"),
    ("/agent/sign-in", "/agent/sign-in"),
]


def _token_of(client: TestClient, page_url: str) -> bytes:
    return csrf_of(client.get(page_url)).encode()


@pytest.mark.parametrize(("page", "action"), PUBLIC_FORMS)
def test_invalid_utf8_in_a_form_is_a_400_page(client: TestClient, page: str, action: str) -> None:
    body = b"csrftoken=" + _token_of(client, page) + b"&email=\xff\xfe@example.com"
    response = client.post(
        action, content=body, headers={"content-type": "application/x-www-form-urlencoded"}
    )
    assert response.status_code == 400
    assert "text/html" in response.headers["content-type"]
    assert "could not be read" in response.text


def _multipart(parts: dict[str, str], boundary: str = "xyz") -> bytes:
    body = "".join(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        for name, value in parts.items()
    )
    return f"{body}--{boundary}--\r\n".encode()


@pytest.mark.parametrize(
    "content_type",
    [
        "multipart/form-data",
        "multipart/form-data;boundary=xyz",
        "multipart/form-data; boundary=xyz",
    ],
)
@pytest.mark.parametrize(("page", "action"), PUBLIC_FORMS)
def test_a_multipart_form_is_refused_with_a_page_not_a_500(
    client: TestClient, page: str, action: str, content_type: str
) -> None:
    """No page sends multipart, and the CSRF check cannot read it: 415, however it is written."""
    body = _multipart({"csrftoken": _token_of(client, page).decode(), "email": "a@example.com"})
    response = client.post(action, content=body, headers={"content-type": content_type})
    assert response.status_code == 415
    assert "text/html" in response.headers["content-type"]
    assert "could not be read" in response.text


@pytest.mark.parametrize(
    ("month", "number"),
    [
        ("1²", "4242424242424242"),
        ("٠١", "4242424242424242"),
        ("1" * 5000, "4242424242424242"),
        ("12", "٤٢٤٢٤٢٤٢٤٢٤٢٤٢٤٢"),
        ("12", "4242 4242 4242 424²"),
        ("12", "4" * 5000),
    ],
)
def test_card_fields_of_other_digits_get_the_form_with_the_error(
    client: TestClient, database: Database, month: str, number: str
) -> None:
    Visitor(client).sign_up()
    response = Visitor(client).submit(
        "/account/cards",
        "/account/cards",
        card_number=number,
        exp_month=month,
        exp_year="2030",
    )
    assert response.status_code == 400
    assert "card" in response.text.lower()
    with database.reading() as session:
        assert session.scalars(select(PaymentMethod)).all() == []


@pytest.mark.parametrize("name", ["Vera\x00", "Vera\x1b[2J"])
def test_a_control_character_in_a_form_is_a_400_page_and_writes_nothing(
    client: TestClient, database: Database, name: str
) -> None:
    response = Visitor(client).submit(
        "/sign-up",
        "/sign-up",
        email="control@example.com",
        password=PASSWORD,
        name=name,
        country="US",
        region="CA",
    )
    assert response.status_code == 400
    assert "control characters" in response.text
    with database.reading() as session:
        assert session.scalars(select(Account)).all() == []


@pytest.mark.parametrize("url", ["/help/a%00b", "/help?q=%00", "/agent/sign-in?next=%00"])
def test_a_nul_in_the_address_is_a_400_page(client: TestClient, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 400
    assert "text/html" in response.headers["content-type"]
