"""Subscription endpoints: subscribe, read, auto-renew, change plan, cancel, receipts, history."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials

from subdesk import idempotency
from subdesk.context import Work
from subdesk.db import after_answer
from subdesk.http import (
    Bearer,
    IdempotencyKey,
    as_customer,
    checked_key,
    customer_work,
    database_of,
    parse_uuid,
    runtime_of,
)
from subdesk.models import Account, Cancellation, Subscription
from subdesk.receipts import verify_receipt
from subdesk.schemas import ERRORS
from subdesk.subscriptions import (
    bundles,
    cancellation,
    checkout,
    lifecycle,
    purchase,
    queries,
    repository,
)
from subdesk.subscriptions.schemas import (
    AutoRenewIn,
    CancelIn,
    CancellationOut,
    CancellationPreviewOut,
    HistoryEventOut,
    PaymentMethodChangeIn,
    PlanChangeIn,
    PlanChangeOut,
    PublicKeysOut,
    SubscribeIn,
    SubscriptionOut,
    VerifyIn,
    VerifyOut,
)
from subdesk.worker import renewals

router = APIRouter(prefix="/api/v1", tags=["subscriptions"], responses=ERRORS)


@router.post("/subscriptions", response_model=SubscriptionOut, status_code=201)
def subscribe(
    body: SubscribeIn, request: Request, bearer: Bearer, key: IdempotencyKey = None
) -> object:
    """Buy a plan. Without an Idempotency-Key, the same order sent again within ten minutes
    is taken for a retry (the first answer comes back) rather than a second purchase."""
    return _pay_now(
        request,
        bearer,
        key,
        body.model_dump(mode="json"),
        "api",
        lambda order_key: purchase.Purchase(**body.model_dump(), idempotency_key=order_key),
    )


def _pay_now(
    request: Request,
    bearer: HTTPAuthorizationCredentials | None,
    key: str | None,
    payload: dict[str, Any],
    surface: str,
    deal_of: Callable[[str], purchase.Purchase | checkout.PlanChangeNow],
) -> JSONResponse:
    """An order that may charge now, through the checkout's three steps (no processor call
    inside a transaction); its key is the client's, or one derived from the order."""
    given = checked_key(key)
    with customer_work(request, bearer) as (work, account):
        buyer, now = account.id, work.now
    scope = f"{buyer}:{request.method} {request.url.path}"
    order = checkout.Order(
        account_id=buyer,
        deal=deal_of(given or checkout.derived_key(buyer, {"scope": scope, **payload}, now)),
        surface=surface,
        scope=scope,
        fingerprint=idempotency.request_fingerprint(payload),
        client_ip=work.client_ip,
        user_agent=work.user_agent,
    )
    status, answer = checkout.buy(database_of(request), runtime_of(request), order)
    return JSONResponse(answer, status_code=status)


@router.get("/subscriptions", response_model=list[SubscriptionOut])
def list_subscriptions(request: Request, bearer: Bearer) -> object:
    return as_customer(request, bearer, lambda w, a: queries.list_subscriptions(w, a.id))


@router.get("/subscriptions/{subscription_id}", response_model=SubscriptionOut)
def get_subscription(subscription_id: str, request: Request, bearer: Bearer) -> object:
    sid = parse_uuid(subscription_id, "subscription_id")
    return as_customer(request, bearer, lambda w, a: queries.get_subscription(w, a.id, sid))


@router.put("/subscriptions/{subscription_id}/auto-renew", response_model=SubscriptionOut)
def set_auto_renew(
    subscription_id: str,
    body: AutoRenewIn,
    request: Request,
    bearer: Bearer,
    key: IdempotencyKey = None,
) -> object:
    sid = parse_uuid(subscription_id, "subscription_id")

    def handler(work: Work, account: Account) -> SubscriptionOut:
        subscription = lifecycle.set_auto_renew(work, account.id, sid, body.enabled)
        return queries.describe(work, [subscription])[0]

    return as_customer(request, bearer, handler, idempotency_key=key, payload=body.model_dump())


@router.put("/subscriptions/{subscription_id}/payment-method", response_model=SubscriptionOut)
def change_payment_method(
    subscription_id: str,
    body: PaymentMethodChangeIn,
    request: Request,
    bearer: Bearer,
    key: IdempotencyKey = None,
) -> object:
    """Renew with another card; a past-due subscription is charged with it at once."""
    sid = parse_uuid(subscription_id, "subscription_id")

    def handler(work: Work, account: Account) -> SubscriptionOut:
        subscription = lifecycle.change_payment_method(
            work, account.id, sid, body.payment_method_id
        )
        return queries.describe(work, [subscription])[0]

    as_customer(request, bearer, handler, idempotency_key=key, payload=body.model_dump())
    # Past due, the renewal is due at once: retried with the new card now (the processor asked
    # with no transaction open), and the answer shows the subscription as it is then.
    renewals.retry_now(database_of(request), runtime_of(request), sid)
    return as_customer(request, bearer, lambda w, a: queries.get_subscription(w, a.id, sid))


@router.put("/subscriptions/{subscription_id}/plan", response_model=PlanChangeOut)
def change_plan(
    subscription_id: str,
    body: PlanChangeIn,
    request: Request,
    bearer: Bearer,
    key: IdempotencyKey = None,
) -> object:
    """An upgrade takes effect at once with a prorated charge (paid through the checkout's
    steps); any other change at the end of the term."""
    sid = parse_uuid(subscription_id, "subscription_id")
    return _pay_now(
        request,
        bearer,
        key,
        body.model_dump(mode="json"),
        "api_plan",
        lambda order_key: checkout.PlanChangeNow(sid, body.plan_id, order_key),
    )


@router.get("/subscriptions/{subscription_id}/cancellation", response_model=CancellationPreviewOut)
def preview_cancellation(subscription_id: str, request: Request, bearer: Bearer) -> object:
    sid = parse_uuid(subscription_id, "subscription_id")
    return as_customer(
        request, bearer, lambda w, a: CancellationPreviewOut.of(cancellation.preview(w, a.id, sid))
    )


@router.post("/subscriptions/{subscription_id}/cancel", response_model=CancellationOut)
def cancel(
    subscription_id: str,
    body: CancelIn,
    request: Request,
    bearer: Bearer,
    key: IdempotencyKey = None,
) -> object:
    sid = parse_uuid(subscription_id, "subscription_id")

    def handler(work: Work, account: Account) -> CancellationOut:
        after_answer(work.session)  # the answer shows no refund's outcome: it need not wait
        done = bundles.cancel_with_addons(
            work, account.id, sid, body.when, body.reason, body.include_addons
        )
        addons = [_described(work, addon) for addon in done.addons]
        return _described(work, done.cancellation, addons, subscription=done.subscription)

    return as_customer(request, bearer, handler, idempotency_key=key, payload=body.model_dump())


def _described(
    work: Work,
    done: Cancellation,
    addons: list[CancellationOut] | None = None,
    *,
    subscription: Subscription | None = None,
) -> CancellationOut:
    if subscription is None:
        subscription = repository.get_owned(work.session, done.account_id, done.subscription_id)
    services = bundles.services_ending(work, subscription, done.effective_at)
    return CancellationOut.of(done, services, addons or [])


@router.get("/subscriptions/{subscription_id}/history", response_model=list[HistoryEventOut])
def history(subscription_id: str, request: Request, bearer: Bearer) -> object:
    sid = parse_uuid(subscription_id, "subscription_id")
    return as_customer(
        request, bearer, lambda w, a: [HistoryEventOut.of(e) for e in queries.history(w, a.id, sid)]
    )


@router.get("/cancellations/{cancellation_id}", response_model=CancellationOut)
def get_cancellation(cancellation_id: str, request: Request, bearer: Bearer) -> object:
    """A cancellation, with the add-on cancellations it made."""

    def handler(work: Work, account: Account) -> CancellationOut:
        done = repository.cancellation_by_public_id(work.session, account.id, cancellation_id)
        ended = repository.addon_cancellations(work.session, done.id)
        return CancellationOut.of(done, addons=[CancellationOut.of(a) for a in ended])

    return as_customer(request, bearer, handler)


@router.post("/receipts/verify", response_model=VerifyOut, tags=["receipts"])
def verify(body: VerifyIn, request: Request) -> VerifyOut:
    """Anyone may check a receipt; the answer is only whether subdesk signed exactly this."""
    keys = {k["key_id"]: k["public_key"] for k in runtime_of(request).signer.public_keys()}
    return VerifyOut(valid=verify_receipt(body.receipt, keys))


@router.get("/licenses/public-key", response_model=PublicKeysOut, tags=["receipts"])
def public_keys(request: Request) -> PublicKeysOut:
    """The keys that verify receipts (and, later, offline license tokens), each with its id."""
    return PublicKeysOut.model_validate({"keys": runtime_of(request).signer.public_keys()})
