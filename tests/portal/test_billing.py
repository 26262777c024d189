"""Billing pages: upcoming charges, invoices as page and PDF, refunds, cards, closing."""

from __future__ import annotations

import re
import zlib

from fastapi.testclient import TestClient

from tests.factories import plan_id
from tests.portal.pages import Visitor, csrf_of, subscription_id_of


def _pdf_text(pdf: bytes) -> bytes:
    """The page content of a PDF: its streams, inflated."""
    streams = re.findall(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.DOTALL)
    return b"".join(zlib.decompress(stream) for stream in streams if stream[:1] == b"x")


def _customer_with_a_purchase(client: TestClient) -> str:
    visitor = Visitor(client)
    visitor.sign_up()
    return subscription_id_of(visitor.buy(plan_id(client, "av1-year-usd")).headers["location"])


def test_billing_shows_the_upcoming_charge_and_the_invoice(client: TestClient) -> None:
    _customer_with_a_purchase(client)
    page = client.get("/account/billing").text
    assert "$49.99 on January 15, 2027" in page
    number = re.search(r"SD-\d{4}-\d{6}", page)
    assert number
    link = re.search(r'href="(/account/invoices/[0-9a-f-]{36})"', page)
    assert link
    invoice = client.get(link.group(1))
    assert number.group(0) in invoice.text
    assert "$29.99" in invoice.text


def test_an_invoice_downloads_as_a_pdf(client: TestClient) -> None:
    _customer_with_a_purchase(client)
    link = re.search(
        r'href="(/account/invoices/[0-9a-f-]{36})/pdf"', client.get("/account/billing").text
    )
    assert link
    pdf = client.get(f"{link.group(1)}/pdf")
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-")
    assert b"29.99 USD" in _pdf_text(pdf.content)


def test_another_customers_invoice_answers_404(client: TestClient) -> None:
    _customer_with_a_purchase(client)
    link = re.search(
        r'href="(/account/invoices/[0-9a-f-]{36})"', client.get("/account/billing").text
    )
    assert link
    with TestClient(client.app) as other:
        Visitor(other).sign_up()
        assert other.get(link.group(1)).status_code == 404
        assert other.get(f"{link.group(1)}/pdf").status_code == 404


def test_refunds_are_listed_after_a_cancellation(client: TestClient) -> None:
    sid = _customer_with_a_purchase(client)
    page = client.get(f"/account/subscriptions/{sid}/cancel")
    client.post(
        f"/account/subscriptions/{sid}/cancel", data={"csrftoken": csrf_of(page), "when": "now"}
    )
    assert "January 15, 2026: $29.99" in client.get("/account/billing").text


def test_a_card_in_use_cannot_be_removed_and_a_spare_one_can(client: TestClient) -> None:
    _customer_with_a_purchase(client)
    page = client.get("/account/cards")
    in_use = re.search(r'action="(/account/cards/[0-9a-f-]{36}/remove)"', page.text)
    assert in_use
    refused = client.post(in_use.group(1), data={"csrftoken": csrf_of(page)})
    assert refused.status_code == 400
    assert "A subscription renews with this card" in refused.text
    added = client.post(
        "/account/cards",
        data={
            "csrftoken": csrf_of(page),
            "card_number": "5555555555554444",
            "exp_month": "11",
            "exp_year": "2031",
        },
    )
    assert "•••• 4444" in added.text
    spare = re.findall(r'action="(/account/cards/[0-9a-f-]{36}/remove)"', added.text)[-1]
    after = client.post(spare, data={"csrftoken": csrf_of(added)})
    assert "•••• 4444" not in after.text


def test_a_bad_card_is_reported_next_to_its_field(client: TestClient) -> None:
    Visitor(client).sign_up()
    page = client.get("/account/cards")
    response = client.post(
        "/account/cards",
        data={"csrftoken": csrf_of(page), "card_number": "1234", "exp_month": "", "exp_year": ""},
    )
    assert response.status_code == 400
    assert 'id="exp_month-error"' in response.text


def test_closing_says_what_happens_then_does_it(client: TestClient) -> None:
    sid = _customer_with_a_purchase(client)
    page = client.get("/account/close")
    assert "Every subscription is cancelled now" in page.text
    refused = client.post("/account/close", data={"csrftoken": csrf_of(page)})
    assert refused.status_code == 400
    done = client.post("/account/close", data={"csrftoken": csrf_of(page), "confirm": "on"})
    assert "Account closed" in done.text
    assert re.search(r"CXL-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}", done.text)
    assert client.get(f"/account/subscriptions/{sid}", follow_redirects=False).status_code == 303
