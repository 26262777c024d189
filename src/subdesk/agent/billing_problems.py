"""Billing problems in the console: duplicate charges with a one-click refund of the
duplicate, the duplicates refunded (for whom, by whom, what became of them), and the charges
made after a confirmed cancellation (the report proves none)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from subdesk.agent.web import render, staff
from subdesk.errors import NotAuthenticated, SubdeskError
from subdesk.fields import FormText as Field
from subdesk.http import parse_uuid
from subdesk.support import billing_problems
from subdesk.support.rules import Permission, require
from subdesk.web.kit import redirect

router = APIRouter(include_in_schema=False)
PAGE = "/agent/billing-problems"


def _page(request: Request, error: SubdeskError | None = None) -> Response:
    with staff(request) as (work, member):
        require(member.role, Permission.VIEW_CUSTOMERS)
        found = billing_problems.report(work)
        context = {
            "duplicates": found.duplicates,
            "after_cancellation": found.after_cancellation,
            "resolved": found.resolved,
            "customers": found.customers,
            "error": error,
        }
        status = error.status if error else 200
        return render(request, "billing_problems.html", context, status=status, member=member)


@router.get(PAGE, response_class=HTMLResponse)
def billing_problems_page(request: Request) -> Response:
    return _page(request)


@router.post(PAGE + "/refund")
def refund_duplicate(request: Request, payment_id: Field = "", reason: Field = "") -> Response:
    """Refund the duplicate in full; the same payment is never refunded twice."""
    found = parse_uuid(payment_id, "payment_id")
    try:
        with staff(request, writes=True) as (work, member):
            billing_problems.refund_duplicate(work, member, found, reason)
    except NotAuthenticated:
        raise
    except SubdeskError as error:
        if error.status == 403:
            raise
        return _page(request, error)
    return redirect(PAGE)
