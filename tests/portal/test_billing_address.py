"""The billing address page: a form with its CSRF token; errors next to their field."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from subdesk.db import Database
from subdesk.models import BillingAddress
from tests.portal.pages import Visitor

PAGE = "/account/billing-address"
ADDRESS = {
    "name": "Vera Visitor",
    "line1": "Heidestraße 17",
    "line2": "",
    "postal_code": "10557",
    "city": "Berlin",
    "country": "DE",
    "subdivision": "BE",
    "vat_id": "",
}


def _addresses(database: Database) -> list[tuple[str, str | None, str | None]]:
    with database.transaction() as session:
        return [(a.city, a.subdivision, a.vat_id) for a in session.scalars(select(BillingAddress))]


def test_the_page_starts_from_what_sign_up_told(client: TestClient) -> None:
    Visitor(client).sign_up(country="US")
    page = client.get(PAGE)
    assert page.status_code == 200
    assert 'name="csrftoken"' in page.text
    assert '<option value="US" selected>' in page.text
    assert 'name="subdivision" type="text" value="CA"' in page.text
    assert "billing-address" in client.get("/account/billing").text


def test_a_customer_saves_a_billing_address_and_sees_what_taxes_follow(
    client: TestClient, database: Database
) -> None:
    visitor = Visitor(client)
    visitor.sign_up(country="DE")
    saved = visitor.submit(PAGE, PAGE, **{**ADDRESS, "vat_id": "DE 136 695 976"})
    assert saved.status_code == 303, saved.text
    page = client.get(saved.headers["location"])
    assert "Your billing address is saved." in page.text
    assert "Taxes follow this address (DE)." in page.text
    assert "Prices include VAT." in page.text
    assert 'value="DE136695976"' in page.text
    assert _addresses(database) == [("Berlin", "BE", "DE136695976")]


def test_a_subdivision_that_does_not_exist_is_shown_next_to_its_field(
    client: TestClient, database: Database
) -> None:
    visitor = Visitor(client)
    visitor.sign_up(country="DE")
    refused = visitor.submit(PAGE, PAGE, **{**ADDRESS, "subdivision": "ZZ"})
    assert refused.status_code == 400
    assert 'id="subdivision-error"' in refused.text
    assert "not a state or region of DE" in refused.text
    assert 'value="Heidestraße 17"' in refused.text  # what was typed stays
    assert _addresses(database) == []


def test_a_vat_id_of_another_country_is_shown_next_to_its_field(
    client: TestClient, database: Database
) -> None:
    visitor = Visitor(client)
    visitor.sign_up(country="DE")
    refused = visitor.submit(PAGE, PAGE, **{**ADDRESS, "vat_id": "FR40303265045"})
    assert refused.status_code == 400
    assert 'id="vat_id-error"' in refused.text
    assert _addresses(database) == []


def test_the_form_needs_its_csrf_token(client: TestClient, database: Database) -> None:
    Visitor(client).sign_up(country="DE")
    forged = client.post(PAGE, data=ADDRESS, follow_redirects=False)
    assert forged.status_code == 403
    assert _addresses(database) == []


def test_the_page_speaks_german(client: TestClient) -> None:
    Visitor(client).sign_up(country="DE", locale="de")
    assert "Rechnungsadresse" in client.get(PAGE).text
