"""API shapes of payment methods and invoices."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, Field

from subdesk.models import Invoice, PaymentMethod
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


class InvoiceOut(BaseModel):
    id: uuid.UUID
    number: str
    subscription_id: uuid.UUID
    description: str
    amount: MoneyOut
    period_start: datetime
    period_end: datetime
    issued_at: datetime
    refunded: MoneyOut

    @classmethod
    def of(cls, invoice: Invoice, refunded: int) -> InvoiceOut:
        return cls(
            id=invoice.id,
            number=invoice.number,
            subscription_id=invoice.subscription_id,
            description=invoice.description,
            amount=MoneyOut.of(invoice.amount_minor, invoice.currency),
            period_start=invoice.period_start,
            period_end=invoice.period_end,
            issued_at=invoice.issued_at,
            refunded=MoneyOut.of(refunded, invoice.currency),
        )
