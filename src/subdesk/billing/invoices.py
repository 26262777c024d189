"""Invoices and credit notes: issued with their charge or refund, in the same transaction,
and read for the billing history, each invoice with what its credit notes took back."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from subdesk.billing import documents
from subdesk.billing.documents import Status
from subdesk.billing.tax import charge as tax
from subdesk.context import Work
from subdesk.db import append_row
from subdesk.errors import NotFound
from subdesk.models import Account, BillingAddress, CreditNote, Invoice, Payment, Refund


@dataclass(frozen=True, slots=True)
class InvoiceView:
    """An invoice with its credit notes, as the customer and the API see it."""

    invoice: Invoice
    refunded: int  # refunds asked for and made (the payment's refunded total)
    credit_notes: tuple[CreditNote, ...]

    @property
    def credited(self) -> int:
        return sum(note.amount_minor for note in self.credit_notes)

    @property
    def status(self) -> Status:
        return documents.status_of(self.invoice.amount_minor, self.credited)


def customer_of(work: Work, account_id: uuid.UUID) -> dict[str, Any]:
    """The customer as the documents of this unit of work name them: the billing address
    (name, lines, VAT ID) when one is set, else the account's name, email and country;
    read once per account."""
    key = ("document_customer", account_id)
    if key not in work.cache:
        account = work.session.get(Account, account_id)
        known = tax.billing_addresses(work)
        if account_id not in known:
            known[account_id] = work.session.get(BillingAddress, account_id)
        address = known[account_id]
        party: dict[str, Any] = {
            "name": account.name if account else None,
            "email": account.email if account else None,
            "country": account.country if account else None,
            "region": account.region if account else None,
        }
        if address is not None:
            city = " ".join(p for p in (address.postal_code, address.city) if p)
            lines = [address.line1, address.line2, city, address.country]
            party |= {
                "name": address.name,
                "address": [line for line in lines if line],
                "country": address.country,
                "region": address.subdivision,
                "tax_id": address.vat_id,
            }
        work.cache[key] = party
    return dict(work.cache[key])  # type: ignore[call-overload]


def issue_invoice(work: Work, row: dict[str, Any]) -> str:
    """Number the invoice `row` (amounts, period, owner) and append it; returns its number."""
    settings = work.settings
    series = documents.series_for("invoice", settings, work.now)
    number = documents.number_in(series, documents.take_number(work.session, series))
    invoice = dict(
        row,
        id=uuid.uuid4(),
        number=number,
        issued_at=work.now,
        seller=documents.seller_of(settings).as_dict(),
        customer=customer_of(work, row["account_id"]),
    )
    invoice.setdefault("net_minor", row["amount_minor"])
    append_row(work.session, Invoice, invoice)
    return number


def issue_credit_note(work: Work, refund: Refund) -> CreditNote | None:
    """The credit note of a refund the processor made, once; None for a payment with no
    invoice. Call it with the refund's row locked."""
    session = work.session
    found = session.scalars(select(CreditNote).where(CreditNote.refund_id == refund.id))
    if (note := found.first()) is not None:
        return note
    query = select(Invoice).where(Invoice.payment_id == refund.payment_id).with_for_update()
    invoice = session.scalars(query).first()
    if invoice is None:
        return None
    earlier = select(func.coalesce(func.sum(CreditNote.amount_minor), 0)).where(
        CreditNote.invoice_id == invoice.id
    )
    before = int(session.execute(earlier).scalar_one())
    tax = documents.credited_tax(
        invoice.amount_minor, invoice.tax_minor, before, refund.amount_minor
    )
    series = documents.series_for("credit_note", work.settings, work.now)
    note = CreditNote(
        id=uuid.uuid4(),
        number=documents.number_in(series, documents.take_number(session, series)),
        invoice_id=invoice.id,
        refund_id=refund.id,
        account_id=refund.account_id,
        subscription_id=refund.subscription_id,
        reason=refund.reason,
        amount_minor=refund.amount_minor,
        net_minor=refund.amount_minor - tax,
        tax_minor=tax,
        currency=refund.currency,
        issued_at=work.now,
        seller=documents.seller_of(work.settings).as_dict(),
        customer=invoice.customer,
    )
    session.add(note)
    session.flush()
    return note


def _views(work: Work, invoices: list[tuple[Invoice, int]]) -> list[InvoiceView]:
    ids = [invoice.id for invoice, _ in invoices]
    notes: dict[uuid.UUID, list[CreditNote]] = {}
    if ids:
        query = select(CreditNote).where(CreditNote.invoice_id.in_(ids))
        for note in work.session.scalars(query.order_by(CreditNote.issued_at, CreditNote.number)):
            notes.setdefault(note.invoice_id, []).append(note)
    return [
        InvoiceView(invoice, refunded, tuple(notes.get(invoice.id, ())))
        for invoice, refunded in invoices
    ]


def _with_refunded() -> Any:
    return select(Invoice, Payment.refunded_minor).join(Payment, Payment.id == Invoice.payment_id)


def list_invoices(work: Work, account_id: uuid.UUID) -> list[InvoiceView]:
    query = _with_refunded().where(Invoice.account_id == account_id)
    rows = work.session.execute(query.order_by(Invoice.issued_at.desc(), Invoice.number.desc()))
    return _views(work, [(invoice, refunded) for invoice, refunded in rows])


def get_invoice(work: Work, account_id: uuid.UUID, invoice_id: uuid.UUID) -> InvoiceView:
    query = _with_refunded().where(Invoice.id == invoice_id, Invoice.account_id == account_id)
    row = work.session.execute(query).first()
    if row is None:
        raise NotFound("No such invoice.", field="invoice_id")
    return _views(work, [(row[0], row[1])])[0]


def list_credit_notes(work: Work, account_id: uuid.UUID) -> list[tuple[CreditNote, str]]:
    """The account's credit notes, newest first, each with its invoice's number."""
    query = (
        select(CreditNote, Invoice.number)
        .join(Invoice, Invoice.id == CreditNote.invoice_id)
        .where(CreditNote.account_id == account_id)
        .order_by(CreditNote.issued_at.desc(), CreditNote.number.desc())
    )
    return [(note, number) for note, number in work.session.execute(query)]


def get_credit_note(
    work: Work, account_id: uuid.UUID, note_id: uuid.UUID
) -> tuple[CreditNote, Invoice]:
    query = (
        select(CreditNote, Invoice)
        .join(Invoice, Invoice.id == CreditNote.invoice_id)
        .where(CreditNote.id == note_id, CreditNote.account_id == account_id)
    )
    row = work.session.execute(query).first()
    if row is None:
        raise NotFound("No such credit note.", field="credit_note_id")
    return row[0], row[1]


def list_refunds(work: Work, account_id: uuid.UUID) -> list[Refund]:
    query = select(Refund).where(Refund.account_id == account_id).order_by(Refund.created_at.desc())
    return list(work.session.scalars(query))
