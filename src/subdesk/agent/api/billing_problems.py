"""The agent API's billing problems: duplicate charges with the refund of a duplicate, the
duplicates refunded (for whom and by whom), and the charges made after a confirmed
cancellation (the report proves there are none)."""

from __future__ import annotations

from fastapi import APIRouter, Request

from subdesk.agent.api.access import RESPONSES, StaffBearer, as_staff
from subdesk.agent.api.schemas import BillingProblemsOut, ReasonIn, RefundOut
from subdesk.context import Work
from subdesk.http import IdempotencyKey, parse_uuid
from subdesk.models import StaffMember
from subdesk.support import billing_problems
from subdesk.support.rules import Permission, require

router = APIRouter(prefix="/api/v1/agent", tags=["agent"], responses=RESPONSES)


@router.get("/billing-problems", response_model=BillingProblemsOut)
def report(request: Request, bearer: StaffBearer) -> object:
    def handler(work: Work, member: StaffMember) -> BillingProblemsOut:
        require(member.role, Permission.VIEW_CUSTOMERS)
        return BillingProblemsOut.of(billing_problems.report(work))

    return as_staff(request, bearer, handler)


@router.post("/billing-problems/{payment_id}/refund", response_model=RefundOut)
def refund_duplicate(
    payment_id: str,
    body: ReasonIn,
    request: Request,
    bearer: StaffBearer,
    key: IdempotencyKey = None,
) -> object:
    """Refund a duplicate charge in full; the same payment is never refunded twice."""
    found = parse_uuid(payment_id, "payment_id")

    def handler(work: Work, member: StaffMember) -> RefundOut:
        return RefundOut.model_validate(
            billing_problems.refund_duplicate(work, member, found, body.reason)
        )

    payload = body.model_dump(mode="json")
    return as_staff(request, bearer, handler, idempotency_key=key, payload=payload)
