"""Billing endpoints: payment methods and invoices."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from subdesk.billing import invoices, payment_methods
from subdesk.billing.schemas import CardIn, InvoiceOut, PaymentMethodOut
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
            InvoiceOut.of(*row) for row in invoices.list_invoices(work, account.id)
        ],
    )


@router.get("/invoices/{invoice_id}", response_model=InvoiceOut)
def get_invoice(invoice_id: str, request: Request, bearer: Bearer) -> object:
    found = parse_uuid(invoice_id, "invoice_id")
    return as_customer(
        request,
        bearer,
        lambda work, account: InvoiceOut.of(*invoices.get_invoice(work, account.id, found)),
    )
