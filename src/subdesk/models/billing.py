"""Billing tables: payment attempts, captured payments, their refunds and their invoices."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from subdesk.models.base import Base, uuid_pk

# An attempt whose outcome subdesk does not know yet; at most one per subscription and period.
OPEN_ATTEMPT = text("state IN ('pending', 'unknown')")


class PaymentAttempt(Base):
    """A charge subdesk is about to ask, or asked, the processor for: committed before the
    call (`pending`), its outcome written after it (`succeeded`, `failed`,
    `requires_action`), or `unknown` when the call gave no answer, until the reconciler
    asks the processor by the attempt's id (the charge's metadata)."""

    __tablename__ = "payment_attempts"
    __table_args__ = (
        Index(
            "uq_payment_attempts_open_period",
            "subscription_id",
            "period_number",
            unique=True,
            sqlite_where=OPEN_ATTEMPT,
            postgresql_where=OPEN_ATTEMPT,
        ),
        # A purchase's key is open once at a time: a parallel duplicate is refused, not charged.
        Index(
            "uq_payment_attempts_open_key",
            "payment_key",
            unique=True,
            sqlite_where=OPEN_ATTEMPT,
            postgresql_where=OPEN_ATTEMPT,
        ),
        Index("ix_payment_attempts_state_updated_at", "state", "updated_at"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    account_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("accounts.id"), index=True)
    # None for a purchase: its subscription is written once the first charge succeeded.
    subscription_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("subscriptions.id"))
    payment_method_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("payment_methods.id"))
    kind: Mapped[str] = mapped_column(String(20))  # "initial" | "renewal" | "proration"
    # A purchase's order, enough to finish it if its process died after the charge.
    intent: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    period_number: Mapped[int]
    amount_minor: Mapped[int]
    currency: Mapped[str] = mapped_column(String(3))
    # The payment's key (`period:<subscription>:<number>`); the processor's key is the id.
    payment_key: Mapped[str] = mapped_column(String(200))
    state: Mapped[str] = mapped_column(String(20))
    gateway_charge_id: Mapped[str | None] = mapped_column(String(100))
    decline_code: Mapped[str | None] = mapped_column(String(60))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    @property
    def gateway_key(self) -> str:
        return f"attempt:{self.id}"


FIRST_CHARGE = text("kind = 'initial'")


class Payment(Base):
    """One captured charge. `idempotency_key` is unique: a period is never charged twice."""

    __tablename__ = "payments"
    # The worker's look for recent first charges (duplicate purchases); renewals stay out of it.
    __table_args__ = (
        Index(
            "ix_payments_first_captured_at",
            "captured_at",
            sqlite_where=FIRST_CHARGE,
            postgresql_where=FIRST_CHARGE,
        ),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    account_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("accounts.id"), index=True)
    subscription_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("subscriptions.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # "initial" | "renewal" | "proration"
    period_number: Mapped[int]
    first_paid: Mapped[bool]
    amount_minor: Mapped[int]
    refunded_minor: Mapped[int] = mapped_column(default=0)
    # Taken back by open and lost disputes: refunded + disputed never exceed the amount.
    disputed_minor: Mapped[int] = mapped_column(default=0, server_default="0")
    currency: Mapped[str] = mapped_column(String(3))
    gateway_charge_id: Mapped[str] = mapped_column(String(100))
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    captured_at: Mapped[datetime]


PENDING_REFUND = text("status = 'pending'")
DUPLICATE_REFUND = text("reason = 'duplicate_charge'")


class Refund(Base):
    __tablename__ = "refunds"
    __table_args__ = (
        # The reconciler's look for refunds the processor has not answered yet.
        Index(
            "ix_refunds_pending",
            "status",
            sqlite_where=PENDING_REFUND,
            postgresql_where=PENDING_REFUND,
        ),
        # The billing-problems page's duplicates refunded, newest first.
        Index(
            "ix_refunds_duplicates_created_at",
            "created_at",
            sqlite_where=DUPLICATE_REFUND,
            postgresql_where=DUPLICATE_REFUND,
        ),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    payment_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("payments.id"), index=True)
    account_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("accounts.id"), index=True)
    subscription_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("subscriptions.id"), index=True)
    amount_minor: Mapped[int]
    currency: Mapped[str] = mapped_column(String(3))
    reason: Mapped[str] = mapped_column(String(40))
    # pending (committed before the processor is called) -> succeeded | failed; the payment's
    # refunded_minor counts pending and succeeded refunds, so together they never exceed it.
    status: Mapped[str] = mapped_column(String(20), default="succeeded")
    gateway_refund_id: Mapped[str | None] = mapped_column(String(100))
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(index=True)  # the dashboards' refunds per day


class Invoice(Base):
    """A legal invoice, issued with its charge: numbered in a gapless series per issuer and
    year, with the seller and the customer as they were on the day it was issued."""

    __tablename__ = "invoices"

    id: Mapped[uuid.UUID] = uuid_pk()
    number: Mapped[str] = mapped_column(String(40), unique=True)
    account_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("accounts.id"), index=True)
    subscription_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("subscriptions.id"), index=True)
    payment_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("payments.id"), index=True)
    description: Mapped[str] = mapped_column(String(200))
    # Gross: what the customer paid. net + tax == amount.
    amount_minor: Mapped[int]
    net_minor: Mapped[int]
    tax_minor: Mapped[int] = mapped_column(default=0, server_default="0")
    # The rate as a decimal percentage ("19", "8.875"); a string, never a float.
    tax_rate: Mapped[str] = mapped_column(String(12), default="0", server_default="0")
    # Where the tax is owed ("DE", "US-WA") and whether the customer owes it (reverse charge).
    tax_jurisdiction: Mapped[str | None] = mapped_column(String(10))
    reverse_charge: Mapped[bool] = mapped_column(default=False, server_default=text("false"))
    currency: Mapped[str] = mapped_column(String(3))
    period_start: Mapped[datetime]
    period_end: Mapped[datetime]
    issued_at: Mapped[datetime]
    seller: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    customer: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class CreditNote(Base):
    """The document of a refund: it corrects its invoice by the refunded amount, numbered in
    a gapless series of its own, issued once the processor has made the refund."""

    __tablename__ = "credit_notes"

    id: Mapped[uuid.UUID] = uuid_pk()
    number: Mapped[str] = mapped_column(String(40), unique=True)
    invoice_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("invoices.id"), index=True)
    refund_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("refunds.id"), unique=True)
    account_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("accounts.id"), index=True)
    subscription_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("subscriptions.id"))
    reason: Mapped[str] = mapped_column(String(40))
    amount_minor: Mapped[int]
    net_minor: Mapped[int]
    tax_minor: Mapped[int]
    currency: Mapped[str] = mapped_column(String(3))
    issued_at: Mapped[datetime]
    seller: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    customer: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class DocumentSeries(Base):
    """The last number given in one series of documents (`SD-2026`, `SD-CN-2026`). A number is
    taken by an UPDATE in the transaction that issues the document, so a rollback gives it
    back and the series has no gaps; it holds the row until that transaction ends."""

    __tablename__ = "document_series"

    series: Mapped[str] = mapped_column(String(30), primary_key=True)
    last_number: Mapped[int]


class Dispute(Base):
    """A chargeback the processor reported: open while the bank decides, then won or lost.
    `counted_minor` is what it takes of the payment while open or lost (never more than the
    payment had left), kept in the payment's `disputed_minor`."""

    __tablename__ = "disputes"

    id: Mapped[uuid.UUID] = uuid_pk()
    gateway_dispute_id: Mapped[str] = mapped_column(String(100), unique=True)
    payment_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("payments.id"), index=True)
    account_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("accounts.id"), index=True)
    subscription_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("subscriptions.id"))
    amount_minor: Mapped[int]
    counted_minor: Mapped[int]
    currency: Mapped[str] = mapped_column(String(3))
    reason: Mapped[str] = mapped_column(String(60))
    status: Mapped[str] = mapped_column(String(20))  # open | won | lost
    case_id: Mapped[int | None] = mapped_column(ForeignKey("support_cases.id"))
    opened_at: Mapped[datetime]
    closed_at: Mapped[datetime | None]


class ProcessorEvent(Base):
    """An event a processor sent (its webhook), kept by id so a replay changes nothing."""

    __tablename__ = "processor_events"

    gateway: Mapped[str] = mapped_column(String(20), primary_key=True)
    event_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    type: Mapped[str] = mapped_column(String(80))
    outcome: Mapped[str] = mapped_column(String(40))
    received_at: Mapped[datetime]
