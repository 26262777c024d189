"""A dispute's case: opened for an agent with the evidence the desk holds of the payment."""

from __future__ import annotations

from sqlalchemy import select

from subdesk.context import Work
from subdesk.models import (
    Cancellation,
    CaseMessage,
    Consent,
    Device,
    Dispute,
    Invoice,
    Payment,
    SupportCase,
)
from subdesk.money import Money
from subdesk.notifications.formatting import format_money
from subdesk.support.rules import CaseStatus, Category, Priority, first_response_due

MAX_LISTED = 20  # of each kind of evidence, newest first


def open_dispute_case(work: Work, dispute: Dispute, payment: Payment) -> int:
    """A high-priority billing case whose internal note lists the evidence for the bank."""
    amount = Money(dispute.amount_minor, dispute.currency)
    case = SupportCase(
        account_id=payment.account_id,
        subject=f"Dispute of a payment of {format_money(amount, 'en')}"[:200],
        category=Category.BILLING.value,
        status=CaseStatus.NEW.value,
        priority=Priority.HIGH.value,
        opened_by="system",
        first_response_due_at=first_response_due(work.now, Priority.HIGH),
        created_at=work.now,
        updated_at=work.now,
    )
    work.session.add(case)
    work.session.flush()
    note = CaseMessage(
        case_id=case.id,
        author_type="staff",
        author_id="system",
        body="\n".join(evidence(work, dispute, payment)),
        internal=True,
        created_at=work.now,
    )
    work.session.add(note)
    return case.id


def evidence(work: Work, dispute: Dispute, payment: Payment) -> list[str]:
    """The facts an agent answers a chargeback with, one line each."""
    session, sub = work.session, payment.subscription_id
    captured = format_money(Money(payment.amount_minor, payment.currency), "en")
    refunded = format_money(Money(payment.refunded_minor, payment.currency), "en")
    lines = [
        f"Dispute {dispute.gateway_dispute_id} ({dispute.reason}) of payment {payment.id}: "
        f"{captured} captured {payment.captured_at.isoformat()}, {refunded} refunded.",
        "Consent to auto-renewal:",
    ]
    consents = session.scalars(select(Consent).where(Consent.subscription_id == sub))
    lines += [
        f"- disclosure version {c.disclosure_version} agreed {c.given_at.isoformat()} "
        f"from {c.ip_address or 'unknown address'}"
        for c in consents
    ] or ["- none on record"]
    lines.append("Invoices and receipts:")
    invoices = session.scalars(
        select(Invoice).where(Invoice.subscription_id == sub).order_by(Invoice.issued_at.desc())
    ).all()[:MAX_LISTED]
    lines += [f"- {i.number} {i.issued_at.date()} {i.description}" for i in invoices] or ["- none"]
    lines.append("Devices and their last check-ins:")
    devices = session.scalars(
        select(Device).where(Device.subscription_id == sub).order_by(Device.last_seen_at.desc())
    ).all()[:MAX_LISTED]
    lines += [f"- {d.name} ({d.platform}) last seen {d.last_seen_at.isoformat()}" for d in devices]
    if not devices:
        lines.append("- no device activated")
    lines.append("Cancellations:")
    cancellations = session.scalars(
        select(Cancellation)
        .where(Cancellation.subscription_id == sub)
        .order_by(Cancellation.requested_at.desc())
    ).all()[:MAX_LISTED]
    lines += [
        f"- {c.public_id} {c.mode} {c.status} requested {c.requested_at.isoformat()}"
        for c in cancellations
    ] or ["- never canceled"]
    return lines
