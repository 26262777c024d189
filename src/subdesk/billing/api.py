"""Billing endpoints: payment methods, invoices and credit notes (JSON and PDF)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response

from subdesk.billing import invoices, payment_methods, pdf
from subdesk.billing.schemas import CardIn, CreditNoteOut, InvoiceOut, PaymentMethodOut
from subdesk.context import Work
from subdesk.http import Bearer, as_customer, customer_work, parse_uuid, runtime_of
from subdesk.models import Account
from subdesk.schemas import ERRORS

router = APIRouter(prefix="/api/v1", tags=["billing"], responses=ERRORS)


@router.post("/payment-methods", response_model=PaymentMethodOut, status_code=201)
def add_payment_method(body: CardIn, request: Request, bearer: Bearer) -> object:
    """The card goes to the processor first (only a signed-in customer's, and with no
    transaction open); its token is saved after."""
    with customer_work(request, bearer):
        pass
    card = payment_methods.tokenize(
        runtime_of(request).gateway,
        number=body.card_number,
        exp_month=body.exp_month,
        exp_year=body.exp_year,
        cvc=body.cvc,
    )
    return as_customer(
        request,
        bearer,
        lambda work, account: PaymentMethodOut.of(
            payment_methods.save_card(work, account.id, card)
        ),
        status=201,
    )


@router.get("/payment-methods", response_model=list[PaymentMethodOut])
def list_payment_methods(request: Request, bearer: Bearer) -> object:
    return as_customer(
        request,
        bearer,
        lambda work, account: [
            PaymentMethodOut.of(m) for m in payment_methods.list_methods(work, account.id)
        ],
    )


@router.delete("/payment-methods/{method_id}", status_code=204, response_class=Response)
def remove_payment_method(method_id: str, request: Request, bearer: Bearer) -> Response:
    method = parse_uuid(method_id, "payment_method_id")

    def handler(work: Work, account: Account) -> dict[str, str]:
        payment_methods.remove_method(work, account.id, method)
        return {}

    as_customer(request, bearer, handler)
    return Response(status_code=204)


@router.get("/invoices", response_model=list[InvoiceOut])
def list_invoices(request: Request, bearer: Bearer) -> object:
    return as_customer(
        request,
        bearer,
        lambda work, account: [
            InvoiceOut.of(view) for view in invoices.list_invoices(work, account.id)
        ],
    )


PDF_ANSWER: dict[int | str, dict[str, Any]] = {
    200: {"content": {"application/pdf": {}}, "description": "The document as a PDF."}
}
Lang = Annotated[
    Literal["en", "de"] | None,
    Query(description="The document's language; the account's own when left out."),
]


# Declared before /invoices/{invoice_id}, which would otherwise take "<id>.pdf" for an id.
@router.get("/invoices/{invoice_id}.pdf", response_class=Response, responses=PDF_ANSWER)
def invoice_pdf(invoice_id: str, request: Request, bearer: Bearer, lang: Lang = None) -> Response:
    """The invoice as a PDF: seller, customer, lines with net, tax rate, tax and total."""
    found = parse_uuid(invoice_id, "invoice_id")
    with customer_work(request, bearer) as (work, account):
        view = invoices.get_invoice(work, account.id, found)
        body, name = pdf.invoice_pdf(view, lang or account.locale), view.invoice.number
    return pdf.pdf_response(body, name)


@router.get("/invoices/{invoice_id}", response_model=InvoiceOut)
def get_invoice(invoice_id: str, request: Request, bearer: Bearer) -> object:
    found = parse_uuid(invoice_id, "invoice_id")
    return as_customer(
        request,
        bearer,
        lambda work, account: InvoiceOut.of(invoices.get_invoice(work, account.id, found)),
    )


@router.get("/credit-notes", response_model=list[CreditNoteOut])
def list_credit_notes(request: Request, bearer: Bearer) -> object:
    """Every refund's credit note, newest first."""

    def handler(work: Work, account: Account) -> list[CreditNoteOut]:
        notes = invoices.list_credit_notes(work, account.id)
        return [CreditNoteOut.of(note, number) for note, number in notes]

    return as_customer(request, bearer, handler)


@router.get("/credit-notes/{note_id}.pdf", response_class=Response, responses=PDF_ANSWER)
def credit_note_pdf(note_id: str, request: Request, bearer: Bearer, lang: Lang = None) -> Response:
    found = parse_uuid(note_id, "credit_note_id")
    with customer_work(request, bearer) as (work, account):
        note, invoice = invoices.get_credit_note(work, account.id, found)
        body, name = pdf.credit_note_pdf(note, invoice, lang or account.locale), note.number
    return pdf.pdf_response(body, name)


@router.get("/credit-notes/{note_id}", response_model=CreditNoteOut)
def get_credit_note(note_id: str, request: Request, bearer: Bearer) -> object:
    found = parse_uuid(note_id, "credit_note_id")

    def handler(work: Work, account: Account) -> CreditNoteOut:
        note, invoice = invoices.get_credit_note(work, account.id, found)
        return CreditNoteOut.of(note, invoice.number)

    return as_customer(request, bearer, handler)
