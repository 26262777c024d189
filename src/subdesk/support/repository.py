"""Every read of the support desk: search lookups (each on an index) and the customer's records."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from subdesk.models import (
    Account,
    AuditEvent,
    Cancellation,
    CreditNote,
    Device,
    Invoice,
    OutboxEmail,
    Payment,
    PaymentMethod,
    Plan,
    Refund,
    RefundException,
    RetailKey,
    StaffMember,
    Subscription,
    SupportCase,
)
from subdesk.subscriptions.duplicates import ENDED_ACTION, REFUND_REASON

TIMELINE_LIMIT = 300
REPORT_LIMIT = 500
LIVE = ("trialing", "active", "past_due")
CHARGED_KINDS = ("initial", "renewal")  # a proration shares its period legitimately
EMAIL_LIMIT = 100
RESOLVED_LIMIT = 100
DUPLICATE_ACTIONS = ("support.duplicate_refunded", ENDED_ACTION)


def _accounts(session: Session, ids: Sequence[uuid.UUID | None]) -> list[Account]:
    wanted = [i for i in dict.fromkeys(ids) if i is not None]
    if not wanted:
        return []
    found = {a.id: a for a in session.scalars(select(Account).where(Account.id.in_(wanted)))}
    return [found[i] for i in wanted if i in found]


def accounts_by_email(session: Session, email: str) -> list[Account]:
    return list(session.scalars(select(Account).where(Account.email == email)))


def accounts_by_case(session: Session, case_id: int) -> list[Account]:
    return _accounts(
        session, [session.scalar(select(SupportCase.account_id).where(SupportCase.id == case_id))]
    )


def accounts_by_cancellation(session: Session, public_id: str) -> list[Account]:
    query = select(Cancellation.account_id).where(Cancellation.public_id == public_id)
    return _accounts(session, list(session.scalars(query)))


def accounts_by_invoice(session: Session, number: str) -> list[Account]:
    """The account of an invoice or a credit note with this number."""
    query = select(Invoice.account_id).where(Invoice.number == number)
    notes = select(CreditNote.account_id).where(CreditNote.number == number)
    return _accounts(session, list(session.scalars(query.union(notes))))


def accounts_by_card(
    session: Session, last4: str, month: int, year: int, limit: int
) -> list[Account]:
    query = (
        select(PaymentMethod.account_id)
        .where(
            PaymentMethod.last4 == last4,
            PaymentMethod.exp_year == year,
            PaymentMethod.exp_month == month,
        )
        .limit(limit)
    )
    return _accounts(session, list(session.scalars(query)))


def accounts_by_license_key(session: Session, digest: str) -> list[Account]:
    query = select(RetailKey.account_id).where(RetailKey.key_digest == digest)
    return _accounts(session, list(session.scalars(query)))


def _prefix(column: InstrumentedAttribute[Any], spellings: list[str]) -> ColumnElement[bool]:
    # A range the column's B-tree index answers; LIKE keeps exactly the prefixed rows.
    return or_(
        *(
            and_(column >= text, column < text + "\uffff", column.startswith(text, autoescape=True))
            for text in spellings
        )
    )


def accounts_by_name(session: Session, spellings: list[str], limit: int) -> list[Account]:
    query = select(Account).where(_prefix(Account.name, spellings)).limit(limit)
    return list(session.scalars(query))


def accounts_by_device(session: Session, spellings: list[str], limit: int) -> list[Account]:
    query = select(Device.account_id).where(_prefix(Device.name, spellings)).limit(limit)
    return _accounts(session, list(session.scalars(query)))


def account(session: Session, account_id: uuid.UUID) -> Account | None:
    return session.get(Account, account_id)


def devices(session: Session, account_id: uuid.UUID) -> list[Device]:
    query = select(Device).where(Device.account_id == account_id).order_by(Device.activated_at)
    return list(session.scalars(query))


def payment_methods(session: Session, account_id: uuid.UUID) -> list[PaymentMethod]:
    query = (
        select(PaymentMethod)
        .where(PaymentMethod.account_id == account_id)
        .order_by(PaymentMethod.created_at)
    )
    return list(session.scalars(query))


def invoices(session: Session, account_id: uuid.UUID) -> list[Invoice]:
    query = (
        select(Invoice).where(Invoice.account_id == account_id).order_by(Invoice.issued_at.desc())
    )
    return list(session.scalars(query))


def refunds(session: Session, account_id: uuid.UUID) -> list[Refund]:
    query = select(Refund).where(Refund.account_id == account_id).order_by(Refund.created_at.desc())
    return list(session.scalars(query))


def emails(session: Session, account_id: uuid.UUID) -> list[OutboxEmail]:
    query = (
        select(OutboxEmail)
        .where(OutboxEmail.account_id == account_id)
        .order_by(OutboxEmail.created_at.desc())
        .limit(EMAIL_LIMIT)
    )
    return list(session.scalars(query))


def email(session: Session, account_id: uuid.UUID, email_id: uuid.UUID) -> OutboxEmail | None:
    row = session.get(OutboxEmail, email_id)
    return row if row is not None and row.account_id == account_id else None


def cases(session: Session, account_id: uuid.UUID) -> list[SupportCase]:
    query = (
        select(SupportCase)
        .where(SupportCase.account_id == account_id)
        .order_by(SupportCase.id.desc())
    )
    return list(session.scalars(query))


def timeline(session: Session, account_id: uuid.UUID, kind: str | None) -> list[AuditEvent]:
    """The account's audit events, newest first; `kind` keeps one family (`refund.*`)."""
    query = select(AuditEvent).where(AuditEvent.account_id == account_id)
    if kind:
        query = query.where(AuditEvent.action.startswith(f"{kind}.", autoescape=True))
    return list(session.scalars(query.order_by(AuditEvent.id.desc()).limit(TIMELINE_LIMIT)))


def payments(session: Session, subscription_id: uuid.UUID) -> list[Payment]:
    """The subscription's payments, newest first (an exception refunds the latest first)."""
    query = (
        select(Payment)
        .where(Payment.subscription_id == subscription_id)
        .order_by(Payment.captured_at.desc())
    )
    return list(session.scalars(query))


def exceptions(session: Session, account_id: uuid.UUID | None = None) -> list[RefundException]:
    """Exceptions of one account, or every pending one (the supervisors' queue)."""
    query = select(RefundException)
    if account_id is None:
        query = query.where(RefundException.status == "pending")
    else:
        query = query.where(RefundException.account_id == account_id)
    return list(session.scalars(query.order_by(RefundException.requested_at.desc())))


def staff_names(session: Session) -> dict[str, str]:
    """Staff ids (as audit actor ids) to names, to say who did what."""
    return {str(i): n for i, n in session.execute(select(StaffMember.id, StaffMember.name))}


# --- billing problems: reports over all accounts (a scan, run on demand, bounded) -----------


def payments_charged_twice(session: Session) -> list[Payment]:
    """Payments of any (subscription, period) that was charged more than once."""
    twice = (
        select(Payment.subscription_id, Payment.period_number)
        .where(Payment.kind.in_(CHARGED_KINDS))
        .group_by(Payment.subscription_id, Payment.period_number)
        .having(func.count() > 1)
        .limit(REPORT_LIMIT)
        .subquery()
    )
    query = (
        select(Payment)
        .join(
            twice,
            and_(
                twice.c.subscription_id == Payment.subscription_id,
                twice.c.period_number == Payment.period_number,
            ),
        )
        .where(Payment.kind.in_(CHARGED_KINDS))
        .order_by(Payment.subscription_id, Payment.period_number, Payment.captured_at)
    )
    return list(session.scalars(query))


def same_product_subscriptions(session: Session) -> list[tuple[Subscription, uuid.UUID]]:
    """Live subscriptions billed here, with their product, where an account has two of it."""
    live = and_(Subscription.status.in_(LIVE), Subscription.channel == "direct")
    twice = (
        select(Subscription.account_id, Plan.product_id)
        .join(Plan, Plan.id == Subscription.plan_id)
        .where(live)
        .group_by(Subscription.account_id, Plan.product_id)
        .having(func.count() > 1)
        .limit(REPORT_LIMIT)
        .subquery()
    )
    query = (
        select(Subscription, Plan.product_id)
        .join(Plan, Plan.id == Subscription.plan_id)
        .join(
            twice,
            and_(
                twice.c.account_id == Subscription.account_id,
                twice.c.product_id == Plan.product_id,
            ),
        )
        .where(live)
        .order_by(Subscription.account_id, Subscription.started_at)
    )
    return [(row[0], row[1]) for row in session.execute(query)]


def period_payments(session: Session, subscription_id: uuid.UUID, period: int) -> list[Payment]:
    """The charges of one period of one subscription (one, unless it was charged twice)."""
    query = select(Payment).where(
        Payment.subscription_id == subscription_id,
        Payment.period_number == period,
        Payment.kind.in_(CHARGED_KINDS),
    )
    return list(session.scalars(query))


def live_of_same_product(session: Session, subscription_id: uuid.UUID) -> list[Subscription]:
    """The account's live subscriptions billed here of the same product as this one."""
    this = select(Subscription.account_id, Plan.product_id).join(
        Plan, Plan.id == Subscription.plan_id
    )
    found = session.execute(this.where(Subscription.id == subscription_id)).first()
    if found is None:
        return []
    query = (
        select(Subscription)
        .join(Plan, Plan.id == Subscription.plan_id)
        .where(
            Subscription.account_id == found[0],
            Plan.product_id == found[1],
            Subscription.status.in_(LIVE),
            Subscription.channel == "direct",
        )
    )
    return list(session.scalars(query))


def latest_payment(session: Session, subscription_id: uuid.UUID) -> Payment | None:
    query = (
        select(Payment)
        .where(Payment.subscription_id == subscription_id, Payment.kind.in_(CHARGED_KINDS))
        .order_by(Payment.captured_at.desc(), Payment.id.desc())
        .limit(1)
    )
    return session.scalars(query).first()


def charged_after_cancellation(session: Session) -> list[tuple[Payment, Cancellation]]:
    """Payments captured after a confirmed cancellation of their subscription (should be none)."""
    query = (
        select(Payment, Cancellation)
        .join(Cancellation, Cancellation.subscription_id == Payment.subscription_id)
        .where(Cancellation.status == "confirmed", Payment.captured_at > Cancellation.requested_at)
        .order_by(Payment.captured_at.desc())
        .limit(REPORT_LIMIT)
    )
    return [(row[0], row[1]) for row in session.execute(query)]


def accounts_by_ids(session: Session, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Account]:
    """The accounts a report names, by id (one query)."""
    return {a.id: a for a in _accounts(session, list(ids))}


def duplicate_refunds(session: Session) -> list[Refund]:
    """The latest refunds of duplicate charges, newest first (on their own index)."""
    query = (
        select(Refund)
        .where(Refund.reason == REFUND_REASON)
        .order_by(Refund.created_at.desc(), Refund.id)
        .limit(RESOLVED_LIMIT)
    )
    return list(session.scalars(query))


def subscriptions_by_ids(session: Session, ids: Sequence[uuid.UUID]) -> list[Subscription]:
    wanted = list(dict.fromkeys(ids))
    if not wanted:
        return []
    return list(session.scalars(select(Subscription).where(Subscription.id.in_(wanted))))


def duplicate_events(session: Session, subscription_ids: Sequence[uuid.UUID]) -> list[AuditEvent]:
    """What was done about the duplicates of these subscriptions, and by whom."""
    if not subscription_ids:
        return []
    query = select(AuditEvent).where(
        AuditEvent.subscription_id.in_(list(subscription_ids)),
        AuditEvent.action.in_(DUPLICATE_ACTIONS),
    )
    return list(session.scalars(query))


def refund_by_key(session: Session, idempotency_key: str) -> Refund | None:
    return session.scalars(select(Refund).where(Refund.idempotency_key == idempotency_key)).first()
