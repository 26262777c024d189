"""Disputes (chargebacks): what the processor reports of one, applied in any order, and held
against its payment so that refunds and disputes together never exceed what was captured.

A dispute holds what it claims (at most what the payment has left) while it is
open and for good once lost (the bank took that money back: a refund by another
road); a dispute won gives it back. Won and lost are final: a late report that it
is open again changes nothing. The first report of a dispute opens a support case
with the evidence the desk holds (`open_case`: support.dispute_evidence's, passed in
by the endpoint, as support builds on billing and not the other way round).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from subdesk.audit.log import audit
from subdesk.context import Work
from subdesk.models import Dispute, Payment
from subdesk.money import Money
from subdesk.notifications import webhooks

FINAL = frozenset({"won", "lost"})
# Opens the case an agent works a new dispute in; returns the case's id.
CaseOpener = Callable[[Work, Dispute, Payment], int | None]
# The processor's words (Stripe's) for where a dispute stands, in ours.
STATUSES = {"won": "won", "lost": "lost", "warning_closed": "won"}


def status_of(processor_status: str) -> str:
    return STATUSES.get(processor_status, "open")


def held(status: str, claimed: int, room: int, held_before: int | None) -> int:
    """What a dispute holds of its payment in `status`: what it held already if it was
    known (`held_before`), else what it claims, at most the payment's `room`; nothing won."""
    if status == "won":
        return 0
    if held_before is not None:
        return held_before
    return max(0, min(claimed, room))


@dataclass(frozen=True, slots=True)
class DisputeReport:
    """One report of a dispute, as any processor's event carries it."""

    gateway_dispute_id: str
    charge_ids: tuple[str, ...]  # the payment's ids at the processor (payment intent, charge)
    amount: Money
    reason: str
    status: str  # the processor's
    at: datetime


def apply_dispute(work: Work, report: DisputeReport, open_case: CaseOpener) -> str:
    """Bring the dispute to what the report says; returns what happened."""
    session = work.session
    payment = session.scalars(
        select(Payment).where(Payment.gateway_charge_id.in_(report.charge_ids)).with_for_update()
    ).first()
    if payment is None:
        return "unknown_payment"
    dispute = session.scalars(
        select(Dispute)
        .where(Dispute.gateway_dispute_id == report.gateway_dispute_id)
        .with_for_update()
    ).first()
    status = status_of(report.status)
    if dispute is not None and (dispute.status in FINAL or dispute.status == status):
        return "unchanged"
    room = payment.amount_minor - payment.refunded_minor - payment.disputed_minor
    before = None if dispute is None else dispute.counted_minor
    holding = held(status, report.amount.amount, room, before)
    payment.disputed_minor += holding - (before or 0)
    if dispute is None:
        dispute = _new(work, payment, report, status, holding)
        dispute.case_id = open_case(work, dispute, payment)
    else:
        dispute.status, dispute.counted_minor = status, holding
    if status in FINAL:
        dispute.closed_at = report.at
    _audit(work, dispute, payment, before, status)
    return f"dispute_{status}"


def _new(work: Work, payment: Payment, report: DisputeReport, status: str, holding: int) -> Dispute:
    dispute = Dispute(
        gateway_dispute_id=report.gateway_dispute_id,
        payment_id=payment.id,
        account_id=payment.account_id,
        subscription_id=payment.subscription_id,
        amount_minor=report.amount.amount,
        counted_minor=holding,
        currency=report.amount.currency,
        reason=report.reason[:60],
        status=status,
        opened_at=report.at,
    )
    work.session.add(dispute)
    work.session.flush()
    return dispute


def _audit(
    work: Work, dispute: Dispute, payment: Payment, held_before: int | None, status: str
) -> None:
    money = Money(dispute.amount_minor, dispute.currency)
    audit(
        work,
        action=f"dispute.{'opened' if held_before is None and status == 'open' else status}",
        entity=("dispute", dispute.id),
        account_id=payment.account_id,
        subscription_id=payment.subscription_id,
        before=None if held_before is None else {"held": held_before},
        after={"status": status, "held": dispute.counted_minor, **money.as_dict()},
        reason=dispute.reason,
    )
    data = {
        "dispute_id": str(dispute.id),
        "payment_id": str(payment.id),
        "subscription_id": str(payment.subscription_id),
        "status": status,
        **money.as_dict(),
    }
    webhooks.emit(work, f"dispute.{status}", data)
