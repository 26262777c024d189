"""The agent API's customers: the search box, the customer view, the audit timeline."""

from __future__ import annotations

from fastapi import APIRouter, Query, Request

from subdesk.agent.api.access import RESPONSES, StaffBearer, as_staff
from subdesk.agent.api.customer_schemas import (
    AgentSubscriptionOut,
    CardOut,
    CustomerAccountOut,
    CustomerDeviceOut,
    CustomerHitOut,
    CustomerInvoiceOut,
    CustomerOut,
    EmailOut,
    TimelineEventOut,
)
from subdesk.agent.api.schemas import CaseOut, ExceptionOut, RefundOut
from subdesk.context import Work
from subdesk.http import parse_uuid
from subdesk.models import StaffMember
from subdesk.support import overview, repository
from subdesk.support.rules import Permission, require
from subdesk.support.search import find_customers

router = APIRouter(prefix="/api/v1/agent", tags=["agent"], responses=RESPONSES)
MAX_QUERY = 200


@router.get("/customers", response_model=list[CustomerHitOut])
def search(
    request: Request,
    bearer: StaffBearer,
    q: str = Query(
        default="",
        max_length=MAX_QUERY,
        description="Email, name or device name (from their start), invoice number, case "
        "number, cancellation ID, product key, or a card's last 4 with its expiry (4242 12/30).",
    ),
) -> object:
    query = q.strip()

    def handler(work: Work, member: StaffMember) -> list[CustomerHitOut]:
        require(member.role, Permission.VIEW_CUSTOMERS)
        return [CustomerHitOut.of(hit) for hit in find_customers(work, query)] if query else []

    return as_staff(request, bearer, handler)


@router.get("/customers/{account_id}", response_model=CustomerOut)
def customer(account_id: str, request: Request, bearer: StaffBearer) -> object:
    """Everything about one customer; cards show only brand, last 4 and expiry."""
    aid = parse_uuid(account_id, "account_id")

    def handler(work: Work, member: StaffMember) -> CustomerOut:
        view = overview.customer_view(work, member, aid)
        return CustomerOut(
            account=CustomerAccountOut.model_validate(view.account),
            subscriptions=[AgentSubscriptionOut.with_room(s, r) for s, r in view.subscriptions],
            devices=[CustomerDeviceOut.model_validate(d) for d in view.devices],
            payment_methods=[CardOut.model_validate(c) for c in view.cards],
            invoices=[CustomerInvoiceOut.model_validate(i) for i in view.invoices],
            refunds=[RefundOut.model_validate(r) for r in view.refunds],
            refund_exceptions=[ExceptionOut.model_validate(x) for x in view.exceptions],
            emails=[EmailOut.model_validate(e) for e in view.emails],
            cases=[CaseOut.model_validate(c) for c in view.cases],
        )

    return as_staff(request, bearer, handler)


@router.get("/customers/{account_id}/timeline", response_model=list[TimelineEventOut])
def timeline(
    account_id: str,
    request: Request,
    bearer: StaffBearer,
    kind: str | None = Query(
        default=None,
        description="One family of events: " + ", ".join(overview.TIMELINE_KINDS) + ".",
    ),
) -> object:
    """The customer's audit events, newest first (the latest 300)."""
    aid = parse_uuid(account_id, "account_id")

    def handler(work: Work, member: StaffMember) -> list[TimelineEventOut]:
        events = overview.timeline(work, member, aid, kind or None)
        names = repository.staff_names(work.session)
        return [TimelineEventOut.of(e, names) for e in events]

    return as_staff(request, bearer, handler)
