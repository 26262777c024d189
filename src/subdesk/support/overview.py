"""Everything about one customer for the console: records, emails, cases and one timeline."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from subdesk.context import Work
from subdesk.errors import InvalidRequest, NotFound
from subdesk.models import (
    Account,
    AuditEvent,
    Device,
    Invoice,
    OutboxEmail,
    PaymentMethod,
    Refund,
    RefundException,
    StaffMember,
    SupportCase,
)
from subdesk.subscriptions import queries
from subdesk.subscriptions.rules import FINAL, Status
from subdesk.subscriptions.schemas import SubscriptionOut
from subdesk.support import repository
from subdesk.support.actions import RefundRoom, refund_room
from subdesk.support.rules import Permission, require

# The families of the timeline filter: the part of an audit action before the dot.
TIMELINE_KINDS = (
    "account",
    "subscription",
    "payment",
    "refund",
    "cancellation",
    "device",
    "case",
    "support",
)


@dataclass(frozen=True, slots=True)
class CustomerView:
    account: Account
    subscriptions: list[tuple[SubscriptionOut, RefundRoom | None]]
    devices: list[Device]
    cards: list[PaymentMethod]
    invoices: list[Invoice]
    refunds: list[Refund]
    emails: list[OutboxEmail]
    cases: list[SupportCase]
    exceptions: list[RefundException]
    timeline: list[AuditEvent]
    staff_names: dict[str, str]


def get_account(work: Work, staff: StaffMember, account_id: uuid.UUID) -> Account:
    require(staff.role, Permission.VIEW_CUSTOMERS)
    account = repository.account(work.session, account_id)
    if account is None:
        raise NotFound("No such customer.", code="customer_not_found")
    return account


def customer_view(
    work: Work, staff: StaffMember, account_id: uuid.UUID, kind: str | None = None
) -> CustomerView:
    account = get_account(work, staff, account_id)
    session = work.session
    subscriptions = [
        (s, None if Status(s.status) in FINAL else refund_room(work, account.id, s.id))
        for s in queries.list_subscriptions(work, account.id)
    ]
    return CustomerView(
        account=account,
        subscriptions=subscriptions,
        devices=repository.devices(session, account.id),
        cards=repository.payment_methods(session, account.id),
        invoices=repository.invoices(session, account.id),
        refunds=repository.refunds(session, account.id),
        emails=repository.emails(session, account.id),
        cases=repository.cases(session, account.id),
        exceptions=repository.exceptions(session, account.id),
        timeline=repository.timeline(session, account.id, kind if kind in TIMELINE_KINDS else None),
        staff_names=repository.staff_names(session),
    )


def timeline(
    work: Work, staff: StaffMember, account_id: uuid.UUID, kind: str | None = None
) -> list[AuditEvent]:
    """The customer's audit timeline alone, newest first; `kind` must be one of TIMELINE_KINDS."""
    account = get_account(work, staff, account_id)
    if kind is not None and kind not in TIMELINE_KINDS:
        raise InvalidRequest(
            f"The kind is one of {', '.join(TIMELINE_KINDS)}.", code="invalid_kind", field="kind"
        )
    return repository.timeline(work.session, account.id, kind)
