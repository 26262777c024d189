"""The customer view and the actions taken from it, each with a required reason."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from subdesk.agent.web import render, staff
from subdesk.context import Work
from subdesk.errors import InvalidRequest, NotAuthenticated, SubdeskError
from subdesk.fields import FormText as Field
from subdesk.http import parse_uuid, runtime_of
from subdesk.models import StaffMember
from subdesk.subscriptions.cancellation import When
from subdesk.support import actions, cases, overview, refund_exceptions
from subdesk.support.rules import RESENDABLE, Category, parse_amount
from subdesk.web.kit import new_form_key, redirect

router = APIRouter(include_in_schema=False)
Action = Callable[[Work, StaffMember, uuid.UUID], object]


def _path(account_id: uuid.UUID) -> str:
    return f"/agent/customers/{account_id}"


def _page(
    request: Request,
    account_id: uuid.UUID,
    kind: str = "",
    error: SubdeskError | None = None,
    notice: str | None = None,
) -> Response:
    with staff(request) as (work, member):
        view = overview.customer_view(work, member, account_id, kind or None)
        context = {
            "view": view,
            "kind": kind,
            "kinds": overview.TIMELINE_KINDS,
            "form_key": new_form_key(),
            "error": error,
            "notice": notice,
            "resendable": RESENDABLE,
            "categories": list(Category),
        }
        return render(
            request, "customer.html", context, status=error.status if error else 200, member=member
        )


def _act(request: Request, account_id: uuid.UUID, action: Action, anchor: str = "") -> Response:
    """Run one action in its own transaction; a refusal shows on the customer page, nothing
    written."""
    try:
        with staff(request, writes=True) as (work, member):
            overview.get_account(work, member, account_id)
            action(work, member, account_id)
    except NotAuthenticated:
        raise
    except SubdeskError as error:
        return _page(request, account_id, error=error)
    return redirect(_path(account_id) + anchor)


@router.get("/agent/customers/{account_id}", response_class=HTMLResponse)
def customer_page(
    account_id: str, request: Request, kind: str = "", provider_said: str = ""
) -> Response:
    notice = actions.PROVIDER_CHECK_MESSAGES.get(provider_said)
    return _page(request, parse_uuid(account_id, "account_id"), kind, notice=notice)


@router.post("/agent/customers/{account_id}/subscriptions/{subscription_id}/cancel")
def cancel(
    account_id: str, subscription_id: str, request: Request, when: Field = "", reason: Field = ""
) -> Response:
    sid = parse_uuid(subscription_id, "subscription_id")

    def run(work: Work, member: StaffMember, aid: uuid.UUID) -> object:
        try:
            choice = When(when)
        except ValueError:
            raise InvalidRequest("Choose now or at the end of the term.", field="when") from None
        return actions.cancel(work, member, aid, sid, choice, reason)

    return _act(request, parse_uuid(account_id, "account_id"), run)


@router.post("/agent/customers/{account_id}/subscriptions/{subscription_id}/auto-renew-off")
def auto_renew_off(
    account_id: str, subscription_id: str, request: Request, reason: Field = ""
) -> Response:
    sid = parse_uuid(subscription_id, "subscription_id")
    return _act(
        request,
        parse_uuid(account_id, "account_id"),
        lambda work, member, aid: actions.turn_off_auto_renew(work, member, aid, sid, reason),
    )


@router.post("/agent/customers/{account_id}/subscriptions/{subscription_id}/refund")
def refund(
    account_id: str,
    subscription_id: str,
    request: Request,
    amount: Field = "",
    reason: Field = "",
    form_key: Field = "",
) -> Response:
    sid = parse_uuid(subscription_id, "subscription_id")
    key = str(parse_uuid(form_key, "form_key")) if form_key else str(uuid.uuid4())

    def run(work: Work, member: StaffMember, aid: uuid.UUID) -> object:
        minor = parse_amount(amount, actions.currency_of(work, aid, sid))
        return actions.refund_within_policy(work, member, aid, sid, minor, reason, key)

    return _act(request, parse_uuid(account_id, "account_id"), run)


@router.post("/agent/customers/{account_id}/subscriptions/{subscription_id}/exception")
def request_exception(
    account_id: str, subscription_id: str, request: Request, amount: Field = "", reason: Field = ""
) -> Response:
    sid = parse_uuid(subscription_id, "subscription_id")

    def run(work: Work, member: StaffMember, aid: uuid.UUID) -> object:
        minor = parse_amount(amount, actions.currency_of(work, aid, sid))
        return refund_exceptions.request(work, member, aid, sid, minor, reason)

    return _act(request, parse_uuid(account_id, "account_id"), run)


@router.post("/agent/customers/{account_id}/devices/{device_id}/remove")
def remove_device(
    account_id: str, device_id: str, request: Request, reason: Field = ""
) -> Response:
    did = parse_uuid(device_id, "device_id")
    return _act(
        request,
        parse_uuid(account_id, "account_id"),
        lambda work, member, aid: actions.remove_device(work, member, aid, did, reason),
    )


@router.post("/agent/customers/{account_id}/emails/{email_id}/resend")
def resend(account_id: str, email_id: str, request: Request, reason: Field = "") -> Response:
    eid = parse_uuid(email_id, "email_id")
    return _act(
        request,
        parse_uuid(account_id, "account_id"),
        lambda work, member, aid: actions.resend_email(work, member, aid, eid, reason),
    )


@router.post("/agent/customers/{account_id}/cases")
def open_case(
    account_id: str,
    request: Request,
    subject: Field = "",
    category: Field = "other",
    body: Field = "",
) -> Response:
    aid = parse_uuid(account_id, "account_id")
    try:
        with staff(request, writes=True) as (work, member):
            account = overview.get_account(work, member, aid)
            number = cases.open_case(work, account, subject, category, body, staff=member).id
    except NotAuthenticated:
        raise
    except SubdeskError as error:
        return _page(request, aid, error=error)
    return redirect(f"/agent/cases/CASE-{number:06d}")


@router.post("/agent/customers/{account_id}/subscriptions/{subscription_id}/provider-check")
def provider_check(
    account_id: str, subscription_id: str, request: Request, reason: Field = ""
) -> Response:
    """Ask the provider again about a subscription it suspended; reactivated if it says the
    account is active, otherwise nothing changes. The check is audited either way."""
    aid = parse_uuid(account_id, "account_id")
    sid = parse_uuid(subscription_id, "subscription_id")
    try:
        with staff(request) as (work, member):
            overview.get_account(work, member, aid)
            status_url, external_id = actions.provider_to_ask(work, member, aid, sid, reason)
        # Asked outside any transaction: a slow provider holds no lock.
        said = runtime_of(request).providers.status_of(status_url, external_id)
        with staff(request, writes=True) as (work, member):
            actions.record_provider_check(work, member, aid, sid, said, reason)
    except NotAuthenticated:
        raise
    except SubdeskError as error:
        return _page(request, aid, error=error)
    return redirect(f"{_path(aid)}?provider_said={quote(said)}")
