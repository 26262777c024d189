"""Invoice reads for the billing history, each with what has been refunded of it."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from subdesk.context import Work
from subdesk.errors import NotFound
from subdesk.models import Invoice, Payment, Refund


def list_invoices(work: Work, account_id: uuid.UUID) -> list[tuple[Invoice, int]]:
    query = (
        select(Invoice, Payment.refunded_minor)
        .join(Payment, Payment.id == Invoice.payment_id)
        .where(Invoice.account_id == account_id)
        .order_by(Invoice.issued_at.desc())
    )
    return [(invoice, refunded) for invoice, refunded in work.session.execute(query)]


def get_invoice(work: Work, account_id: uuid.UUID, invoice_id: uuid.UUID) -> tuple[Invoice, int]:
    query = (
        select(Invoice, Payment.refunded_minor)
        .join(Payment, Payment.id == Invoice.payment_id)
        .where(Invoice.id == invoice_id, Invoice.account_id == account_id)
    )
    row = work.session.execute(query).first()
    if row is None:
        raise NotFound("No such invoice.", field="invoice_id")
    return row[0], row[1]


def list_refunds(work: Work, account_id: uuid.UUID) -> list[Refund]:
    query = select(Refund).where(Refund.account_id == account_id).order_by(Refund.created_at.desc())
    return list(work.session.scalars(query))
