"""Moving money: capture a charge with its invoice, refund a payment — each recorded and audited."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime

from subdesk.audit.log import audit
from subdesk.billing import documents, invoices, refund_attempts
from subdesk.billing.gateway import Charge
from subdesk.billing.tax import charge as tax
from subdesk.context import Work
from subdesk.db import append_row
from subdesk.models import Payment, PaymentMethod, Refund
from subdesk.money import Money
from subdesk.subscriptions.state import SubscriptionState

CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def random_code(length: int) -> str:
    """`length` random Crockford base32 characters (5 uniform bits each)."""
    return "".join(CROCKFORD[byte & 31] for byte in secrets.token_bytes(length))


def public_reference(prefix: str) -> str:
    """`<prefix>-XXXX-XXXX-XXXX`, 60 random bits: a cancellation or declaration ID people
    read out and type. Two groups (40 bits) would repeat one about every million."""
    code = random_code(12)
    return f"{prefix}-{code[:4]}-{code[4:8]}-{code[8:]}"


@dataclass(frozen=True, slots=True)
class ChargeRequest:
    kind: str  # initial | renewal | proration
    amount: Money
    period_number: int
    first_paid: bool
    description: str
    period_start: datetime
    period_end: datetime
    idempotency_key: str
    # Each retry after a decline is a new attempt at the gateway; the payment key stays.
    attempt: int = 0
    # The plan's price before tax is added where it is (`amount` is what is charged, the
    # gross), and the card charged: the invoice records the tax decision from both.
    price: Money | None = None
    method_id: uuid.UUID | None = None

    @property
    def gateway_key(self) -> str:
        return f"{self.idempotency_key}#{self.attempt}" if self.attempt else self.idempotency_key


@dataclass(frozen=True, slots=True)
class Captured:
    """A recorded payment and its invoice, as the rest of the unit of work needs them."""

    payment_id: uuid.UUID
    invoice_number: str
    kind: str
    amount: Money
    period_start: datetime
    period_end: datetime


def capture(
    work: Work, subscription: SubscriptionState, method: PaymentMethod, request: ChargeRequest
) -> Captured:
    """Charge the card and record the payment and its invoice; a decline raises, writing nothing.
    In the worker `work.gateway` only hands out answers the processor gave before the
    transaction (billing.batch.AnsweredGateway)."""
    charge = work.gateway.charge(method.gateway_token, request.amount, request.gateway_key)
    return record_charge(work, subscription, request, charge)


def record_charge(
    work: Work, subscription: SubscriptionState, request: ChargeRequest, charge: Charge
) -> Captured:
    """Record a captured charge as a payment and its invoice.

    Both rows are appended in bulk (`append_row`): a renewal run writes a batch of
    them in one statement per table. The invoice's number is taken from its gapless series
    in this transaction (billing.documents).
    """
    payment_id = uuid.uuid4()
    owner = {"account_id": subscription.account_id, "subscription_id": subscription.id}
    money = {"amount_minor": request.amount.amount, "currency": request.amount.currency}
    payment = dict(
        id=payment_id,
        **owner,
        **money,
        kind=request.kind,
        period_number=request.period_number,
        first_paid=request.first_paid,
        refunded_minor=0,
        gateway_charge_id=charge.charge_id,
        idempotency_key=request.idempotency_key,
        captured_at=work.now,
    )
    append_row(work.session, Payment, payment)
    number = invoices.issue_invoice(
        work,
        dict(
            **owner,
            **money,
            **_tax_columns(work, subscription.account_id, request),
            payment_id=payment_id,
            description=request.description,
            period_start=request.period_start,
            period_end=request.period_end,
        ),
    )
    captured = Captured(
        payment_id=payment_id,
        invoice_number=number,
        kind=request.kind,
        amount=request.amount,
        period_start=request.period_start,
        period_end=request.period_end,
    )
    audit(
        work,
        action="payment.captured",
        entity=("payment", captured.payment_id),
        after={"kind": request.kind, **money, "invoice": captured.invoice_number},
        account_id=subscription.account_id,
        subscription_id=subscription.id,
    )
    return captured


def priced(
    work: Work, account_id: uuid.UUID, price: Money, method_id: uuid.UUID | None
) -> tuple[Money, Money]:
    """(what to charge, the price it comes from): tax added where the law adds it."""
    gross = tax.gross_of(work, account_id, price, work.now, payment_method_id=method_id)
    return gross, price


def _tax_columns(work: Work, account_id: uuid.UUID, request: ChargeRequest) -> dict[str, object]:
    """The invoice's tax split, from the decision recorded now for the charge's price; scaled
    to what was charged if that differs (a capture that came back for an older amount)."""
    if request.price is None:
        return {"net_minor": request.amount.amount}
    decided = tax.tax_for_charge(
        work, account_id, request.price, work.now, payment_method_id=request.method_id
    )
    taxed = decided.tax.amount
    if decided.gross != request.amount:
        taxed = documents.share_of_tax(decided.gross.amount, taxed, request.amount.amount)
    return {
        "net_minor": request.amount.amount - taxed,
        "tax_minor": taxed,
        "tax_rate": format(decided.rate.normalize(), "f"),
        "tax_jurisdiction": decided.jurisdiction,
        "reverse_charge": decided.reverse_charge,
    }


def card_label(method: PaymentMethod) -> str:
    return f"{method.brand.title()} •••• {method.last4}"


def taken_back(payment: Payment) -> int:
    """What the customer has of a payment back: refunded, or held by an open or lost dispute."""
    return payment.refunded_minor + payment.disputed_minor


def refundable(payment: Payment) -> int:
    """What is left of a payment to refund."""
    return payment.amount_minor - taken_back(payment)


def refund(
    work: Work, payment: Payment, amount: int, *, reason: str, idempotency_key: str
) -> Refund:
    """Refund part or all of a payment, never beyond what was captured: the intent is
    committed with this unit of work and the processor asked after it (refund_attempts)."""
    return refund_attempts.request_refund(
        work, payment, amount, reason=reason, idempotency_key=idempotency_key
    )
