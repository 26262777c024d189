"""Legal invoices and credit notes: gapless numbers under concurrent charges, a credit note
for every refund the processor made, and both documents as real PDFs with seller, customer,
lines and tax, in English and German."""

from __future__ import annotations

import io
import re
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from pypdf import PdfReader
from sqlalchemy import select

from subdesk.billing import ledger
from subdesk.billing.gateway import Charge, PaymentFailed
from subdesk.clock import TestClock
from subdesk.context import Runtime, Work
from subdesk.db import Database
from subdesk.models import CreditNote, Invoice, Refund, Subscription
from subdesk.money import Money
from tests.api.test_cancellation import cancel
from tests.factories import Customer, customer, subscribe
from tests.integration.gateways import processor

API = "/api/v1"


def _text(pdf: bytes) -> str:
    assert pdf.startswith(b"%PDF-")
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def _sequence(number: str) -> int:
    return int(number.rsplit("-", 1)[1])


class _Rollback(Exception):
    pass


def _charge_once(database: Database, runtime: Runtime, sub_id: uuid.UUID, n: int) -> str:
    """One charge recorded with its invoice in its own transaction; every seventh rolls back
    after its invoice took a number."""
    with database.transaction() as session:
        subscription = session.get(Subscription, sub_id)
        assert subscription is not None
        now = runtime.clock.now()
        request = ledger.ChargeRequest(
            kind="renewal",
            amount=Money(999, "USD"),
            period_number=1000 + n,
            first_paid=False,
            description="Shield Antivirus",
            period_start=now,
            period_end=now + timedelta(days=30),
            idempotency_key=f"concurrent:{sub_id}:{n}",
        )
        charge = Charge(f"ch_test_{n}", Money(999, "USD"))
        captured = ledger.record_charge(Work(session, runtime), subscription, request, charge)
        if n % 7 == 3:
            raise _Rollback(captured.invoice_number)
        return captured.invoice_number


def test_two_hundred_concurrent_charges_number_their_invoices_without_gaps(
    client: TestClient, database: Database, runtime: Runtime
) -> None:
    alice = customer(client)
    sub_id = uuid.UUID(subscribe(client, alice, "av1-month-usd")["id"])

    def attempt(n: int) -> str | None:
        try:
            return _charge_once(database, runtime, sub_id, n)
        except _Rollback:
            return None

    with ThreadPoolExecutor(max_workers=16) as pool:
        answers = list(pool.map(attempt, range(200)))
    committed = [number for number in answers if number is not None]
    assert len(committed) == 200 - len([n for n in range(200) if n % 7 == 3])
    with database.reading() as session:
        numbers = list(session.scalars(select(Invoice.number)))
    series = {number.rsplit("-", 1)[0] for number in numbers}
    assert series == {"SD-2026"}
    # The purchase's invoice is number 1; the rolled-back charges gave theirs back.
    assert sorted(_sequence(n) for n in numbers) == list(range(1, len(numbers) + 1))
    assert set(committed) <= set(numbers)


def test_a_new_year_starts_a_new_series(
    client: TestClient, clock: TestClock, database: Database
) -> None:
    clock.set(datetime(2026, 12, 31, 22, 30, tzinfo=UTC))  # 23:30 in Berlin
    alice = customer(client)
    subscribe(client, alice, "av1-month-usd")
    clock.advance(timedelta(hours=1))  # 00:30 on 1 January in Berlin, still 2026 in UTC
    subscribe(client, alice, "suite3-year-usd", key="second")
    invoices = client.get(f"{API}/invoices", headers=alice.headers).json()
    assert sorted(i["number"] for i in invoices) == ["SD-2026-000001", "SD-2027-000001"]


def _refunded_purchase(client: TestClient) -> tuple[Customer, dict[str, object]]:
    alice = customer(client, name="Alice Example")
    sub = subscribe(client, alice, "av1-year-usd")
    cancel(client, alice, sub["id"], "now")  # within the guarantee: a full refund
    (invoice,) = client.get(f"{API}/invoices", headers=alice.headers).json()
    return alice, invoice


def test_a_refund_issues_a_credit_note_and_the_invoice_shows_refunded(
    client: TestClient, database: Database
) -> None:
    alice, invoice = _refunded_purchase(client)
    assert invoice["status"] == "refunded"
    assert invoice["seller"]["name"] == "Shield Security GmbH"
    assert invoice["seller"]["tax_id"] == "DE000000000"
    assert invoice["customer"]["name"] == "Alice Example"
    assert invoice["net"]["amount"] + invoice["tax"]["amount"] == invoice["amount"]["amount"]
    (ref,) = invoice["credit_notes"]
    assert re.fullmatch(r"SD-CN-2026-000001", ref["number"])
    notes = client.get(f"{API}/credit-notes", headers=alice.headers).json()
    assert [n["number"] for n in notes] == [ref["number"]]
    note = client.get(f"{API}/credit-notes/{ref['id']}", headers=alice.headers).json()
    assert note["invoice_number"] == invoice["number"]
    assert note["amount"] == {"amount": 2999, "currency": "USD"}
    with database.reading() as session:
        (refund,) = session.scalars(select(Refund))
        assert session.scalars(select(CreditNote.refund_id)).one() == refund.id


def test_both_documents_are_real_pdfs_in_english_and_german(client: TestClient) -> None:
    alice, invoice = _refunded_purchase(client)
    pdf = client.get(f"{API}/invoices/{invoice['id']}.pdf", headers=alice.headers)
    assert pdf.status_code == 200
    assert pdf.headers["content-type"] == "application/pdf"
    text = _text(pdf.content)
    for expected in (
        f"Invoice {invoice['number']}",
        "Shield Security GmbH",
        "10115 Berlin",
        "VAT ID: DE000000000",
        "Alice Example",
        "Shield Antivirus",
        "Tax rate",
        "29.99 USD",
        "refunded",
        invoice["credit_notes"][0]["number"],
    ):
        assert expected in text, expected
    german = _text(
        client.get(f"{API}/invoices/{invoice['id']}.pdf?lang=de", headers=alice.headers).content
    )
    assert "Rechnung " + invoice["number"] in german
    assert "USt-IdNr.: DE000000000" in german
    assert "Steuersatz" in german
    assert "erstattet" in german
    note_url = f"{API}/credit-notes/{invoice['credit_notes'][0]['id']}.pdf"
    note = _text(client.get(note_url, headers=alice.headers).content)
    assert f"Corrects invoice {invoice['number']}" in note
    assert "-29.99 USD" in note
    assert "Shield Security GmbH" in note
    assert "Alice Example" in note
    note_de = _text(client.get(note_url + "?lang=de", headers=alice.headers).content)
    assert "Rechnungskorrektur" in note_de
    assert "Korrigiert Rechnung" in note_de


def test_another_customer_gets_no_document_of_mine(client: TestClient) -> None:
    alice, invoice = _refunded_purchase(client)
    bruno = customer(client)
    note_id = invoice["credit_notes"][0]["id"]
    for url in (
        f"{API}/invoices/{invoice['id']}.pdf",
        f"{API}/invoices/{invoice['id']}",
        f"{API}/credit-notes/{note_id}",
        f"{API}/credit-notes/{note_id}.pdf",
    ):
        assert client.get(url, headers=bruno.headers).status_code == 404, url
    assert client.get(f"{API}/credit-notes", headers=bruno.headers).json() == []
    bad = client.get(f"{API}/invoices/not-an-id.pdf", headers=alice.headers)
    assert bad.status_code == 404
    assert bad.json()["error"]["field"] == "invoice_id"


class _RefusingRefunds:
    """The app's processor, but every refund is refused."""

    def __init__(self, inner: object) -> None:
        self.inner = inner

    def __getattr__(self, name: str) -> object:
        return getattr(self.inner, name)

    def refund(self, *args: object, **kwargs: object) -> object:
        raise PaymentFailed("The processor refused the refund.", code="refund_refused")


def test_a_refused_refund_issues_no_credit_note(
    client: TestClient, database: Database, runtime: Runtime
) -> None:
    alice = customer(client)
    sub = subscribe(client, alice, "av1-year-usd")
    with processor(runtime, _RefusingRefunds(runtime.gateway)):
        cancel(client, alice, sub["id"], "now")
    (invoice,) = client.get(f"{API}/invoices", headers=alice.headers).json()
    assert invoice["status"] == "paid"
    assert invoice["credit_notes"] == []
    with database.reading() as session:
        assert session.scalars(select(Refund.status)).one() == "failed"


@pytest.mark.parametrize("parts", [(1000,), (1000, 1999)])
def test_partial_refunds_leave_the_invoice_partly_refunded_until_all_is_back(
    client: TestClient, database: Database, runtime: Runtime, parts: tuple[int, ...]
) -> None:
    alice = customer(client)
    subscribe(client, alice, "av1-year-usd")
    for index, amount in enumerate(parts):
        with database.transaction() as session:
            (payment,) = session.scalars(select(ledger.Payment))
            ledger.refund(
                Work(session, runtime), payment, amount, reason="agent", idempotency_key=f"p{index}"
            )
    (invoice,) = client.get(f"{API}/invoices", headers=alice.headers).json()
    expected = "refunded" if sum(parts) == 2999 else "partly_refunded"
    assert invoice["status"] == expected
    notes = client.get(f"{API}/credit-notes", headers=alice.headers).json()
    assert sorted(_sequence(n["number"]) for n in notes) == list(range(1, len(parts) + 1))
    assert sum(n["amount"]["amount"] for n in notes) == sum(parts)
    assert sum(n["tax"]["amount"] for n in notes) <= invoice["tax"]["amount"]


def test_a_german_customer_pays_the_price_with_19_percent_vat_included(
    client: TestClient,
) -> None:
    hans = customer(client, country="DE", region=None, locale="de")
    subscribe(client, hans, "av1-year-eur")
    (invoice,) = client.get(f"{API}/invoices", headers=hans.headers).json()
    assert invoice["amount"] == {"amount": 2999, "currency": "EUR"}
    assert invoice["tax"] == {"amount": 479, "currency": "EUR"}  # 29.99 · 19/119 = 4.788
    assert invoice["net"] == {"amount": 2520, "currency": "EUR"}
    assert (invoice["tax_rate"], invoice["tax_jurisdiction"]) == ("19", "DE")
    text = _text(client.get(f"{API}/invoices/{invoice['id']}.pdf", headers=hans.headers).content)
    assert "19 %" in text
    assert "4,79 EUR" in text
    assert "25,20 EUR" in text


def test_sales_tax_is_added_where_a_state_taxes_software_and_nowhere_else(
    client: TestClient, clock: TestClock, database: Database, runtime: Runtime
) -> None:
    nora = customer(client, country="US", region="NY")
    carl = customer(client, country="US", region="CA")
    taxed = subscribe(client, nora, "av1-month-usd")
    subscribe(client, carl, "av1-month-usd")
    (first,) = client.get(f"{API}/invoices", headers=nora.headers).json()
    assert first["amount"]["amount"] == 499 + 20  # 4 % New York state tax on 4.99
    assert (first["net"]["amount"], first["tax"]["amount"]) == (499, 20)
    (untaxed,) = client.get(f"{API}/invoices", headers=carl.headers).json()
    assert (untaxed["amount"]["amount"], untaxed["tax"]["amount"]) == (499, 0)
    shown = client.get(f"{API}/subscriptions/{taxed['id']}", headers=nora.headers).json()
    assert shown["next_charge"]["amount"] == {"amount": 519, "currency": "USD"}
    clock.advance(timedelta(days=31))
    from subdesk.worker.renewals import run_pass

    assert run_pass(database, runtime)["renewed"] == 2
    invoices = client.get(f"{API}/invoices", headers=nora.headers).json()
    assert [i["amount"]["amount"] for i in invoices] == [519, 519]
    with database.reading() as session:
        payments = session.scalars(
            select(ledger.Payment.amount_minor).where(
                ledger.Payment.subscription_id == uuid.UUID(taxed["id"])
            )
        ).all()
    assert sorted(payments) == [519, 519]  # the processor was charged the gross


def test_a_credit_note_takes_back_the_tax_of_what_it_refunds(client: TestClient) -> None:
    hans = customer(client, country="DE", region=None, locale="de")
    sub = subscribe(client, hans, "av1-year-eur")
    cancel(client, hans, sub["id"], "now")
    (note,) = client.get(f"{API}/credit-notes", headers=hans.headers).json()
    assert (note["amount"]["amount"], note["tax"]["amount"], note["net"]["amount"]) == (
        2999,
        479,
        2520,
    )


def test_a_business_invoice_names_its_billing_address_and_reverse_charge(
    client: TestClient,
) -> None:
    firm = customer(client, country="FR", region=None)
    address = {
        "name": "Exemple SARL",
        "line1": "12 rue de la Paix",
        "postal_code": "75002",
        "city": "Paris",
        "country": "FR",
        "vat_id": "FR40303265045",
    }
    saved = client.put(f"{API}/me/billing-address", json=address, headers=firm.headers)
    assert saved.status_code == 200, saved.text
    subscribe(client, firm, "av1-year-eur")
    (invoice,) = client.get(f"{API}/invoices", headers=firm.headers).json()
    assert invoice["reverse_charge"] is True
    assert invoice["tax"]["amount"] == 0
    assert invoice["customer"]["name"] == "Exemple SARL"
    assert invoice["customer"]["tax_id"] == "FR40303265045"
    assert "75002 Paris" in invoice["customer"]["address"]
    text = _text(client.get(f"{API}/invoices/{invoice['id']}.pdf", headers=firm.headers).content)
    for expected in (
        "Exemple SARL",
        "12 rue de la Paix",
        "VAT ID: FR40303265045",
        "Reverse charge",
    ):
        assert expected in text, expected


def test_numbers_taken_in_a_rolled_back_savepoint_or_transaction_are_given_back(
    database: Database,
) -> None:
    from contextlib import suppress

    from subdesk.billing.documents import take_number
    from subdesk.db import savepoint

    with database.transaction() as session:
        assert take_number(session, "T-2026") == 1
        with suppress(RuntimeError), savepoint(session):
            assert take_number(session, "T-2026") == 2
            raise RuntimeError
        assert take_number(session, "T-2026") == 2
        with suppress(RuntimeError), savepoint(session):
            assert take_number(session, "U-2026") == 1  # the series' first, undone
            raise RuntimeError
        assert take_number(session, "U-2026") == 1
    with suppress(RuntimeError), database.transaction() as session:
        assert take_number(session, "T-2026") == 3
        raise RuntimeError
    with database.transaction() as session:
        assert take_number(session, "T-2026") == 3
        assert take_number(session, "U-2026") == 2
