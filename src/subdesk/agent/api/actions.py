"""What staff do for a customer through the API, each with a required reason and an audit
event; those that move money or change a subscription honour an Idempotency-Key."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from subdesk.agent.api.access import RESPONSES, StaffBearer, as_staff, staff_work, stored_answer
from subdesk.agent.api.customer_schemas import ProviderCheckOut, ResentOut
from subdesk.agent.api.schemas import (
    AgentCancelIn,
    AgentRefundIn,
    ExceptionIn,
    ExceptionOut,
    ReasonIn,
    RefundOut,
)
from subdesk.context import Work
from subdesk.http import IdempotencyKey, parse_uuid, runtime_of
from subdesk.models import StaffMember
from subdesk.subscriptions import queries
from subdesk.subscriptions.schemas import CancellationOut, SubscriptionOut
from subdesk.support import actions, overview, refund_exceptions
from subdesk.support.rules import amount_in

router = APIRouter(prefix="/api/v1/agent", tags=["agent"], responses=RESPONSES)
SUBSCRIPTION = "/customers/{account_id}/subscriptions/{subscription_id}"
Action = Callable[[Work, StaffMember, uuid.UUID], Any]
SubscriptionAction = Callable[[Work, StaffMember, uuid.UUID, uuid.UUID], Any]


def _for_customer(
    request: Request,
    bearer: StaffBearer,
    account_id: str,
    action: Action,
    *,
    status: int = 200,
    key: str | None = None,
    body: BaseModel | None = None,
) -> JSONResponse:
    """Run one action for a customer who exists (404 otherwise), as the console does."""
    aid = parse_uuid(account_id, "account_id")

    def handler(work: Work, member: StaffMember) -> Any:
        overview.get_account(work, member, aid)
        return action(work, member, aid)

    payload = body.model_dump(mode="json") if body else None
    return as_staff(request, bearer, handler, status=status, idempotency_key=key, payload=payload)


def _for_subscription(
    request: Request,
    bearer: StaffBearer,
    account_id: str,
    subscription_id: str,
    action: SubscriptionAction,
    body: BaseModel,
    key: str | None,
    *,
    status: int = 200,
) -> JSONResponse:
    """Run one action on a customer's subscription, as `_for_customer` does."""
    sid = parse_uuid(subscription_id, "subscription_id")

    def on_subscription(work: Work, member: StaffMember, aid: uuid.UUID) -> Any:
        return action(work, member, aid, sid)

    return _for_customer(
        request, bearer, account_id, on_subscription, status=status, key=key, body=body
    )


def _subscription(work: Work, account_id: uuid.UUID, subscription_id: uuid.UUID) -> SubscriptionOut:
    return queries.get_subscription(work, account_id, subscription_id)


@router.post(SUBSCRIPTION + "/cancel", response_model=CancellationOut)
def cancel(
    account_id: str,
    subscription_id: str,
    body: AgentCancelIn,
    request: Request,
    bearer: StaffBearer,
    key: IdempotencyKey = None,
) -> object:
    """Cancel for the customer, now (refund per policy) or at the end of the term."""

    def run(work: Work, member: StaffMember, aid: uuid.UUID, sid: uuid.UUID) -> CancellationOut:
        return CancellationOut.of(actions.cancel(work, member, aid, sid, body.when, body.reason))

    return _for_subscription(request, bearer, account_id, subscription_id, run, body, key)


@router.post(SUBSCRIPTION + "/auto-renew-off", response_model=SubscriptionOut)
def auto_renew_off(
    account_id: str,
    subscription_id: str,
    body: ReasonIn,
    request: Request,
    bearer: StaffBearer,
    key: IdempotencyKey = None,
) -> object:
    def run(work: Work, member: StaffMember, aid: uuid.UUID, sid: uuid.UUID) -> SubscriptionOut:
        actions.turn_off_auto_renew(work, member, aid, sid, body.reason)
        return _subscription(work, aid, sid)

    return _for_subscription(request, bearer, account_id, subscription_id, run, body, key)


def _refund_key(member: StaffMember, subscription_id: uuid.UUID, key: str | None) -> str:
    """The refunds' own key: one client's Idempotency-Key never matches another's refunds."""
    if key is None:
        return uuid.uuid4().hex
    return hashlib.sha256(f"{member.id}:{subscription_id}:{key}".encode()).hexdigest()[:40]


@router.post(SUBSCRIPTION + "/refunds", response_model=list[RefundOut], status_code=201)
def refund(
    account_id: str,
    subscription_id: str,
    body: AgentRefundIn,
    request: Request,
    bearer: StaffBearer,
    key: IdempotencyKey = None,
) -> object:
    """Refund within policy (at most what "cancel now" would refund); without an amount, all
    of it. Beyond policy: request an exception."""

    def run(work: Work, member: StaffMember, aid: uuid.UUID, sid: uuid.UUID) -> list[RefundOut]:
        minor = None
        if body.amount is not None:
            currency = actions.currency_of(work, aid, sid)
            minor = amount_in(body.amount.amount, body.amount.currency, currency)
        made = actions.refund_within_policy(
            work, member, aid, sid, minor, body.reason, _refund_key(member, sid, key)
        )
        return [RefundOut.model_validate(r) for r in made]

    return _for_subscription(
        request, bearer, account_id, subscription_id, run, body, key, status=201
    )


@router.post(SUBSCRIPTION + "/refund-exceptions", response_model=ExceptionOut, status_code=201)
def request_exception(
    account_id: str,
    subscription_id: str,
    body: ExceptionIn,
    request: Request,
    bearer: StaffBearer,
    key: IdempotencyKey = None,
) -> object:
    """Ask for a refund beyond policy: held until a supervisor (not you) approves it."""

    def run(work: Work, member: StaffMember, aid: uuid.UUID, sid: uuid.UUID) -> ExceptionOut:
        currency = actions.currency_of(work, aid, sid)
        minor = amount_in(body.amount.amount, body.amount.currency, currency)
        made = refund_exceptions.request(work, member, aid, sid, minor, body.reason)
        return ExceptionOut.model_validate(made)

    return _for_subscription(
        request, bearer, account_id, subscription_id, run, body, key, status=201
    )


@router.delete("/customers/{account_id}/devices/{device_id}", status_code=204)
def remove_device(
    account_id: str, device_id: str, body: ReasonIn, request: Request, bearer: StaffBearer
) -> Response:
    """Free the device's seat; the app on it is told at its next check-in."""
    did = parse_uuid(device_id, "device_id")

    def run(work: Work, member: StaffMember, aid: uuid.UUID) -> None:
        actions.remove_device(work, member, aid, did, body.reason)

    _for_customer(request, bearer, account_id, run)
    return Response(status_code=204)


@router.post(
    "/customers/{account_id}/emails/{email_id}/resend", response_model=ResentOut, status_code=201
)
def resend_email(
    account_id: str, email_id: str, body: ReasonIn, request: Request, bearer: StaffBearer
) -> object:
    """Queue a confirmation or receipt again, as it was first queued."""
    eid = parse_uuid(email_id, "email_id")

    def run(work: Work, member: StaffMember, aid: uuid.UUID) -> ResentOut:
        return ResentOut(email_id=actions.resend_email(work, member, aid, eid, body.reason))

    return _for_customer(request, bearer, account_id, run, status=201)


@router.post(SUBSCRIPTION + "/provider-check", response_model=ProviderCheckOut)
def provider_check(
    account_id: str,
    subscription_id: str,
    body: ReasonIn,
    request: Request,
    bearer: StaffBearer,
    key: IdempotencyKey = None,
) -> object:
    """Ask the provider about a subscription it suspended: reactivated if it says the account
    is active again, otherwise nothing changes. Audited either way."""
    aid = parse_uuid(account_id, "account_id")
    sid = parse_uuid(subscription_id, "subscription_id")
    payload = body.model_dump(mode="json")
    if (answered := stored_answer(request, bearer, key, payload)) is not None:
        return answered
    with staff_work(request, bearer) as (work, member):
        overview.get_account(work, member, aid)
        status_url, external_id = actions.provider_to_ask(work, member, aid, sid, body.reason)
    # Asked outside any transaction: a slow provider holds no lock.
    said = runtime_of(request).providers.status_of(status_url, external_id)

    def run(work: Work, member: StaffMember, aid: uuid.UUID, sid: uuid.UUID) -> ProviderCheckOut:
        checked = actions.record_provider_check(work, member, aid, sid, said, body.reason)
        return ProviderCheckOut.of(checked, _subscription(work, aid, sid))

    return _for_subscription(request, bearer, account_id, subscription_id, run, body, key)
