"""The page where a customer confirms a renewal payment their bank holds (3-D Secure, SCA)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from subdesk.catalog.service import plan_of
from subdesk.errors import SubdeskError
from subdesk.http import database_of, parse_uuid, runtime_of
from subdesk.portal.web import customer, render
from subdesk.subscriptions import repository
from subdesk.web.kit import form_error, redirect
from subdesk.worker import renewals

router = APIRouter(include_in_schema=False)


def _page(request: Request, subscription_id: str, errors: dict[str, str] | None = None) -> Response:
    sid = parse_uuid(subscription_id, "subscription_id")
    with customer(request) as (work, account):
        subscription = repository.get_owned(work.session, account.id, sid)
        context = {
            "account": account,
            "subscription": subscription,
            "plan": plan_of(work, subscription.plan_id),
            "held": renewals.held_payment(work, account.id, sid),
            "confirmed": request.query_params.get("confirmed") == "1",
            "errors": errors or {},
        }
        return render(request, "authenticate.html", context, status=409 if errors else 200)


@router.get("/account/subscriptions/{subscription_id}/authenticate", response_class=HTMLResponse)
def authenticate_page(subscription_id: str, request: Request) -> Response:
    return _page(request, subscription_id)


@router.post("/account/subscriptions/{subscription_id}/authenticate", response_class=HTMLResponse)
def authenticate(subscription_id: str, request: Request) -> Response:
    """In the sandbox, confirming stands for passing the bank's check; with a real processor
    the page hands over to the processor's own (Stripe.js) before coming back here."""
    sid = parse_uuid(subscription_id, "subscription_id")
    with customer(request) as (_work, account):
        account_id = account.id
    try:
        renewals.confirm_authentication(database_of(request), runtime_of(request), account_id, sid)
    except SubdeskError as error:
        if error.code == "sign_in_needed":
            raise
        return _page(request, subscription_id, form_error(error))
    return redirect(f"/account/subscriptions/{sid}/authenticate?confirmed=1")
