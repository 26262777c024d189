"""Billing: upcoming charges, invoices and credit notes (page and PDF), refunds, cards, and
closing the account."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from subdesk.accounts.closure import close_account
from subdesk.billing import invoices, payment_methods, pdf
from subdesk.billing.card_input import expiry_number
from subdesk.errors import SubdeskError
from subdesk.fields import FormText as Text
from subdesk.http import parse_uuid, runtime_of
from subdesk.money import Money
from subdesk.portal.web import SESSION_TOKEN, customer, locale_of, render
from subdesk.subscriptions import queries
from subdesk.web.kit import form_error, redirect

router = APIRouter(include_in_schema=False)

CARD_FIELDS = ("card_number", "exp_month", "exp_year")


@router.get("/account/billing", response_class=HTMLResponse)
def billing_page(request: Request) -> Response:
    with customer(request) as (work, account):
        subscriptions = queries.list_subscriptions(work, account.id)
        context = {
            "account": account,
            "upcoming": [s for s in subscriptions if s.next_charge],
            "invoices": invoices.list_invoices(work, account.id),
            "credit_notes": invoices.list_credit_notes(work, account.id),
            "refunds": [
                (refund, Money(refund.amount_minor, refund.currency))
                for refund in invoices.list_refunds(work, account.id)
            ],
        }
        return render(request, "billing.html", context)


@router.get("/account/invoices/{invoice_id}", response_class=HTMLResponse)
def invoice_page(invoice_id: str, request: Request) -> Response:
    found = parse_uuid(invoice_id, "invoice_id")
    with customer(request) as (work, account):
        view = invoices.get_invoice(work, account.id, found)
        context = {"account": account, "view": view, "invoice": view.invoice}
        return render(request, "invoice.html", context)


@router.get("/account/invoices/{invoice_id}/pdf")
def invoice_download(invoice_id: str, request: Request) -> Response:
    found = parse_uuid(invoice_id, "invoice_id")
    with customer(request) as (work, account):
        view = invoices.get_invoice(work, account.id, found)
        body, name = pdf.invoice_pdf(view, locale_of(request, account)), view.invoice.number
    return pdf.pdf_response(body, name)


@router.get("/account/credit-notes/{note_id}", response_class=HTMLResponse)
def credit_note_page(note_id: str, request: Request) -> Response:
    found = parse_uuid(note_id, "credit_note_id")
    with customer(request) as (work, account):
        note, invoice = invoices.get_credit_note(work, account.id, found)
        context = {"account": account, "note": note, "invoice": invoice}
        return render(request, "credit_note.html", context)


@router.get("/account/credit-notes/{note_id}/pdf")
def credit_note_download(note_id: str, request: Request) -> Response:
    found = parse_uuid(note_id, "credit_note_id")
    with customer(request) as (work, account):
        note, invoice = invoices.get_credit_note(work, account.id, found)
        body, name = pdf.credit_note_pdf(note, invoice, locale_of(request, account)), note.number
    return pdf.pdf_response(body, name)


def _cards_page(request: Request, errors: dict[str, str], values: dict[str, str]) -> Response:
    with customer(request) as (work, account):
        context = {
            "account": account,
            "cards": payment_methods.list_methods(work, account.id),
            "errors": errors,
            "values": values,
        }
        return render(request, "cards.html", context, status=400 if errors else 200)


@router.get("/account/cards", response_class=HTMLResponse)
def cards_page(request: Request) -> Response:
    return _cards_page(request, {}, {})


@router.post("/account/cards", response_class=HTMLResponse)
def add_card(
    request: Request, card_number: Text = "", exp_month: Text = "", exp_year: Text = ""
) -> Response:
    values = {"card_number": card_number, "exp_month": exp_month, "exp_year": exp_year}
    try:
        month = expiry_number(exp_month, "exp_month")
        year = expiry_number(exp_year, "exp_year")
        with customer(request):  # signed in: only then is the card sent to the processor
            pass
        card = payment_methods.tokenize(
            runtime_of(request).gateway,
            number=card_number,
            exp_month=month,
            exp_year=year,
            cvc="000",
        )
        with customer(request, writes=True) as (work, account):
            payment_methods.save_card(work, account.id, card)
    except SubdeskError as error:
        if error.code == "sign_in_needed":
            raise
        return _cards_page(request, form_error(error, CARD_FIELDS), values)
    return redirect("/account/cards")


@router.post("/account/cards/{method_id}/remove", response_class=HTMLResponse)
def remove_card(method_id: str, request: Request) -> Response:
    found = parse_uuid(method_id, "method_id")
    try:
        with customer(request, writes=True) as (work, account):
            payment_methods.remove_method(work, account.id, found)
    except SubdeskError as error:
        if error.status == 404 or error.code == "sign_in_needed":
            raise
        return _cards_page(request, {str(found): error.message}, {})
    return redirect("/account/cards")


@router.get("/account/close", response_class=HTMLResponse)
def close_page(request: Request) -> Response:
    """Says exactly what closing does, before doing it."""
    with customer(request) as (work, account):
        live = [s for s in queries.list_subscriptions(work, account.id) if s.protected]
        return render(request, "close.html", {"account": account, "live": live, "errors": {}})


@router.post("/account/close", response_class=HTMLResponse)
def close(request: Request, confirm: Text = "", reason: Text = "") -> Response:
    if confirm != "on":
        with customer(request) as (work, account):
            live = [s for s in queries.list_subscriptions(work, account.id) if s.protected]
            errors = {"confirm": "Tick the box to confirm that you want to close your account."}
            context = {"account": account, "live": live, "errors": errors}
            return render(request, "close.html", context, status=400)
    with customer(request, writes=True) as (work, account):
        done = close_account(work, account, reason.strip()[:500] or None)
    request.session.pop(SESSION_TOKEN, None)
    return render(request, "closed.html", {"cancellations": done})
