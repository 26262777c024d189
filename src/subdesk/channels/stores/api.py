"""Store endpoints: Apple's and Google's server notifications, and the app linking a purchase."""

from __future__ import annotations

from datetime import timedelta
from functools import lru_cache

from cryptography import x509
from fastapi import APIRouter, Query, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse

from subdesk.audit.log import Actor
from subdesk.channels.stores import apple, google, jws, service
from subdesk.channels.stores.rules import StoreNotice
from subdesk.channels.stores.schemas import (
    AcknowledgedOut,
    AppleNotificationIn,
    GoogleNotificationIn,
    GooglePurchaseIn,
    GooglePurchaseOut,
)
from subdesk.context import Work
from subdesk.db import after_race
from subdesk.http import Bearer, as_customer, database_of, runtime_of
from subdesk.models import Account
from subdesk.schemas import ERRORS
from subdesk.subscriptions import queries

router = APIRouter(prefix="/api/v1/stores", tags=["stores"], responses=ERRORS)


@router.post("/apple/notifications", response_model=AcknowledgedOut)
def apple_notification(body: AppleNotificationIn, request: Request) -> object:
    runtime = runtime_of(request)
    settings = runtime.settings
    notice = apple.read_notification(
        body.signedPayload,
        _roots(tuple(settings.apple_root_certs)),
        runtime.clock.now(),
        settings.apple_bundle_id,
    )
    return _apply(request, Actor("store", "apple"), notice)


@router.post("/google/notifications", response_model=AcknowledgedOut)
def google_notification(
    body: GoogleNotificationIn,
    request: Request,
    token: str | None = Query(default=None, description="The push secret in the push URL."),
) -> object:
    settings = runtime_of(request).settings
    google.authenticate(token, settings.google_push_token)
    notice = google.read_notification(
        body.message.messageId,
        body.message.data,
        timedelta(days=settings.google_grace_days),
        settings.google_package_name,
    )
    return _apply(request, Actor("store", "google"), notice)


@router.post("/google/purchases", response_model=GooglePurchaseOut)
def register_google_purchase(body: GooglePurchaseIn, request: Request, bearer: Bearer) -> object:
    def handler(work: Work, account: Account) -> GooglePurchaseOut:
        found = service.register_google_purchase(
            work, account.id, body.purchase_token, body.product_id
        )
        if found is None:
            return GooglePurchaseOut(status="pending", subscription=None)
        return GooglePurchaseOut(status="linked", subscription=queries.describe(work, [found])[0])

    return as_customer(request, bearer, handler)


def _apply(request: Request, actor: Actor, notice: StoreNotice) -> JSONResponse:
    def run() -> AcknowledgedOut:
        with database_of(request).transaction() as session:
            work = Work(session, runtime_of(request), actor)
            return AcknowledgedOut(outcome=service.handle(work, notice).outcome)

    # The first notifications of one store subscription may race to create it; the row
    # exists then, and its lock puts the second after the first.
    return JSONResponse(jsonable_encoder(after_race(run, run)))


@lru_cache(maxsize=8)
def _roots(paths: tuple[str, ...]) -> tuple[x509.Certificate, ...]:
    return jws.load_roots(paths)
