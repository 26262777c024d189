"""API shapes of payment methods, invoices and credit notes."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from subdesk.billing.invoices import InvoiceView
from subdesk.models import CreditNote, PaymentMethod
from subdesk.schemas import Input, MoneyOut


class CardIn(Input):
    """Card details go to the gateway and are never stored or logged by subdesk."""

    card_number: str = Field(min_length=12, max_length=23, examples=["4242 4242 4242 4242"])
    exp_month: int = Field(ge=1, le=12)
    exp_year: int = Field(ge=2000, le=2100)
    cvc: str = Field(min_length=3, max_length=4)

    def __repr__(self) -> str:
        return "CardIn(<redacted>)"


class PaymentMethodOut(BaseModel):
    id: uuid.UUID
    brand: str
    last4: str
    exp_month: int
    exp_year: int
    created_at: datetime

    @classmethod
    def of(cls, method: PaymentMethod) -> PaymentMethodOut:
        return cls(
            id=method.id,
            brand=method.brand,
            last4=method.last4,
            exp_month=method.exp_month,
            exp_year=method.exp_year,
            created_at=method.created_at,
        )


class PartyOut(BaseModel):
    """The seller or the customer as a document names them, as they were when it was issued."""

    name: str | None = None
    address: list[str] = []
    tax_id: str | None = None
    email: str | None = None
    country: str | None = None
    region: str | None = None

    @classmethod
    def of(cls, party: dict[str, Any] | None) -> PartyOut:
        return cls.model_validate(party or {})


class CreditNoteRef(BaseModel):
    id: uuid.UUID
    number: str
    amount: MoneyOut
    issued_at: datetime


class InvoiceOut(BaseModel):
    id: uuid.UUID
    number: str
    subscription_id: uuid.UUID
    description: str
    # Gross, what was paid: net + tax.
    amount: MoneyOut
    net: MoneyOut
    tax: MoneyOut
    tax_rate: str = Field(description="Percent, as a decimal string: '19', '8.875'.")
    tax_jurisdiction: str | None
    reverse_charge: bool
    period_start: datetime
    period_end: datetime
    issued_at: datetime
    # Asked for and made; credit notes document those the processor has made.
    refunded: MoneyOut
    status: Literal["paid", "partly_refunded", "refunded"]
    seller: PartyOut
    customer: PartyOut
    credit_notes: list[CreditNoteRef]
    pdf_url: str

    @classmethod
    def of(cls, view: InvoiceView) -> InvoiceOut:
        invoice = view.invoice

        def money(amount: int) -> MoneyOut:
            return MoneyOut.of(amount, invoice.currency)

        return cls(
            id=invoice.id,
            number=invoice.number,
            subscription_id=invoice.subscription_id,
            description=invoice.description,
            amount=money(invoice.amount_minor),
            net=money(invoice.net_minor),
            tax=money(invoice.tax_minor),
            tax_rate=invoice.tax_rate,
            tax_jurisdiction=invoice.tax_jurisdiction,
            reverse_charge=invoice.reverse_charge,
            period_start=invoice.period_start,
            period_end=invoice.period_end,
            issued_at=invoice.issued_at,
            refunded=money(view.refunded),
            status=view.status,
            seller=PartyOut.of(invoice.seller),
            customer=PartyOut.of(invoice.customer),
            credit_notes=[
                CreditNoteRef(
                    id=note.id,
                    number=note.number,
                    amount=money(note.amount_minor),
                    issued_at=note.issued_at,
                )
                for note in view.credit_notes
            ],
            pdf_url=f"/api/v1/invoices/{invoice.id}.pdf",
        )


class CreditNoteOut(BaseModel):
    id: uuid.UUID
    number: str
    invoice_id: uuid.UUID
    invoice_number: str
    subscription_id: uuid.UUID
    reason: str
    amount: MoneyOut
    net: MoneyOut
    tax: MoneyOut
    issued_at: datetime
    seller: PartyOut
    customer: PartyOut
    pdf_url: str

    @classmethod
    def of(cls, note: CreditNote, invoice_number: str) -> CreditNoteOut:
        def money(amount: int) -> MoneyOut:
            return MoneyOut.of(amount, note.currency)

        return cls(
            id=note.id,
            number=note.number,
            invoice_id=note.invoice_id,
            invoice_number=invoice_number,
            subscription_id=note.subscription_id,
            reason=note.reason,
            amount=money(note.amount_minor),
            net=money(note.net_minor),
            tax=money(note.tax_minor),
            issued_at=note.issued_at,
            seller=PartyOut.of(note.seller),
            customer=PartyOut.of(note.customer),
            pdf_url=f"/api/v1/credit-notes/{note.id}.pdf",
        )
