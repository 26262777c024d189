"""License endpoints for the installed app, and device endpoints for the customer."""

from __future__ import annotations

import uuid
from dataclasses import replace

from fastapi import APIRouter, Request, Response

from subdesk.audit.log import Actor
from subdesk.context import Work
from subdesk.http import Bearer, IdempotencyKey, as_customer, parse_uuid, public
from subdesk.licensing import devices, retail
from subdesk.licensing.checkin import check_in
from subdesk.licensing.fast_route import check_in_body, limit_device
from subdesk.licensing.schemas import (
    ActivatedOut,
    ActivateIn,
    CheckInOut,
    DeviceOut,
    RedeemIn,
    RenameIn,
)
from subdesk.models import Account
from subdesk.schemas import ERRORS
from subdesk.subscriptions.queries import describe
from subdesk.subscriptions.schemas import SubscriptionOut

router = APIRouter(prefix="/api/v1", tags=["licenses"], responses=ERRORS)


def _address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _limit(request: Request, device_key: str) -> None:
    limit_device(request.app.state, device_key, _address(request))


@router.post("/licenses/activate", response_model=ActivatedOut, status_code=201)
def activate(
    body: ActivateIn, request: Request, bearer: Bearer, key: IdempotencyKey = None
) -> object:
    """Activate this device within the seats: on a subscription of the signed-in customer,
    or with a redeemed product key."""
    _limit(request, f"fingerprint:{body.device.fingerprint}")
    if body.license_key is not None:
        license_key = body.license_key

        def by_key(work: Work) -> ActivatedOut:
            account_id, subscription_id = retail.subscription_of_key(work, license_key)
            keyed = replace(work, actor=Actor("license_key", license_key[:6]))
            return _activated(keyed, account_id, subscription_id, body)

        return public(request, by_key, status=201)
    subscription_id = body.subscription_id
    assert subscription_id is not None  # noqa: S101 - ActivateIn asks for one of the two

    def handler(work: Work, account: Account) -> ActivatedOut:
        return _activated(work, account.id, subscription_id, body)

    return as_customer(
        request, bearer, handler, status=201, idempotency_key=key, payload=body.model_dump()
    )


def _activated(
    work: Work, account_id: uuid.UUID, subscription_id: uuid.UUID, body: ActivateIn
) -> ActivatedOut:
    device, token = devices.activate(
        work,
        account_id,
        subscription_id,
        fingerprint=body.device.fingerprint,
        name=body.device.name,
        platform=body.device.platform,
    )
    work.session.flush()
    answer = check_in(work, token)
    return ActivatedOut(
        device=DeviceOut.of(device), device_token=token, check_in=CheckInOut.of(answer)
    )


@router.post("/licenses/check-in", response_model=CheckInOut)
def license_check_in(request: Request, bearer: Bearer) -> Response:
    """The app asks whether it may protect: send the device token as a bearer token."""
    # What OpenAPI describes; in the app, CheckInFastPath answers first with the same body.
    token = bearer.credentials if bearer else ""
    body = check_in_body(request.app.state, token, _address(request))
    return Response(body, media_type="application/json")


@router.post("/licenses/deactivate", response_model=CheckInOut)
def deactivate(request: Request, bearer: Bearer) -> object:
    """The app gives its seat back; its next check-in answers DEVICE_REMOVED."""
    token = bearer.credentials if bearer else ""
    _limit(request, f"token:{devices.token_digest(token)}")

    def handler(work: Work) -> CheckInOut:
        device = devices.by_token(work, token)
        if device is not None and device.status == "active":
            devices.remove(replace(work, actor=Actor("device", str(device.id))), device)
        return CheckInOut.of(check_in(work, token))

    return public(request, handler)


@router.post("/redeem", response_model=SubscriptionOut, status_code=201, tags=["devices"])
def redeem_key(
    body: RedeemIn, request: Request, bearer: Bearer, key: IdempotencyKey = None
) -> object:
    """Redeem a retail product key into a subscription on this account (once per key)."""

    def handler(work: Work, account: Account) -> SubscriptionOut:
        return describe(work, [retail.redeem(work, account.id, body.key)])[0]

    return as_customer(
        request, bearer, handler, status=201, idempotency_key=key, payload=body.model_dump()
    )


@router.get("/devices", response_model=list[DeviceOut], tags=["devices"])
def list_devices(request: Request, bearer: Bearer) -> object:
    return as_customer(
        request, bearer, lambda w, a: [DeviceOut.of(d) for d in devices.list_devices(w, a.id)]
    )


@router.patch("/devices/{device_id}", response_model=DeviceOut, tags=["devices"])
def rename_device(device_id: str, body: RenameIn, request: Request, bearer: Bearer) -> object:
    found = parse_uuid(device_id, "device_id")
    return as_customer(
        request, bearer, lambda w, a: DeviceOut.of(devices.rename(w, a.id, found, body.name))
    )


@router.delete("/devices/{device_id}", status_code=204, response_class=Response, tags=["devices"])
def remove_device(device_id: str, request: Request, bearer: Bearer) -> Response:
    """Remove a device: its seat is free at once and it stops being protected."""
    found = parse_uuid(device_id, "device_id")

    def handler(work: Work, account: Account) -> dict[str, str]:
        devices.remove(work, devices.get_owned(work, account.id, found))
        return {}

    as_customer(request, bearer, handler)
    return Response(status_code=204)
