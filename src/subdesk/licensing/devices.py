"""Device use cases: activate within the seats, list, rename, remove (which frees the seat)."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import timedelta

from sqlalchemy import func, select

from subdesk.audit.log import audit
from subdesk.catalog.service import plan_of
from subdesk.context import Work
from subdesk.errors import Conflict, InvalidRequest, NotFound
from subdesk.licensing.rules import PLATFORMS
from subdesk.licensing.transfers import RELEASED, check_transfer_allowed
from subdesk.models import Device, Subscription
from subdesk.subscriptions import repository
from subdesk.subscriptions.rules import Status
from subdesk.subscriptions.views import protection


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def activate(
    work: Work,
    account_id: uuid.UUID,
    subscription_id: uuid.UUID,
    *,
    fingerprint: str,
    name: str,
    platform: str,
) -> tuple[Device, str]:
    """Give this device a seat (the same fingerprint keeps its seat); returns it and its token.

    The subscription row is locked first, so two activations for the last seat are
    decided one after the other: exactly one wins.
    """
    if platform not in PLATFORMS:
        raise InvalidRequest(
            f"The platform is one of {', '.join(PLATFORMS)}.", field="device.platform"
        )
    subscription = repository.get_owned(work.session, account_id, subscription_id, lock=True)
    if plan_of(work, subscription.plan_id).product.addon:
        raise Conflict(
            "An add-on holds no devices: activate the app on your main subscription; the "
            "add-on's services come with it.",
            code="addon_has_no_seats",
            field="subscription_id",
        )
    if not protection(subscription, work.now).protected or subscription.status == Status.SUSPENDED:
        raise Conflict(
            "This subscription does not protect devices now; renew or buy a plan first.",
            code="subscription_not_active",
            field="subscription_id",
        )
    device = _by_fingerprint(work, subscription.id, fingerprint)
    if device is None or device.status != "active":  # it takes a seat, perhaps a released one
        _check_free_seat(work, subscription)
        check_transfer_allowed(work, subscription.id)
    token = "sdd_" + secrets.token_urlsafe(32)
    before = {"status": device.status} if device else None
    if device is None:
        device = Device(
            id=uuid.uuid4(),
            subscription_id=subscription.id,
            account_id=account_id,
            fingerprint=fingerprint,
            activated_at=work.now,
        )
        work.session.add(device)
    device.name, device.platform, device.status = name, platform, "active"
    device.token_hash, device.last_seen_at, device.removed_at = token_digest(token), work.now, None
    audit(
        work,
        action="device.activated",
        entity=("device", device.id),
        account_id=account_id,
        subscription_id=subscription.id,
        before=before,
        after={"status": "active", "platform": platform},
    )
    return device, token


def _by_fingerprint(work: Work, subscription_id: uuid.UUID, fingerprint: str) -> Device | None:
    query = select(Device).where(
        Device.subscription_id == subscription_id, Device.fingerprint == fingerprint
    )
    return work.session.scalars(query).first()


def _check_free_seat(work: Work, subscription: Subscription) -> None:
    plan = plan_of(work, subscription.plan_id)
    used = work.session.scalar(
        select(func.count())
        .select_from(Device)
        .where(Device.subscription_id == subscription.id, Device.status == "active")
    )
    if (used or 0) >= plan.seats:
        raise Conflict(
            f"All {plan.seats} seats of this plan are in use. Remove a device to free one.",
            code="too_many_devices",
            field="subscription_id",
        )


def list_devices(work: Work, account_id: uuid.UUID) -> list[Device]:
    query = (
        select(Device)
        .where(Device.account_id == account_id, Device.status == "active")
        .order_by(Device.activated_at)
    )
    return list(work.session.scalars(query))


def get_owned(work: Work, account_id: uuid.UUID, device_id: uuid.UUID) -> Device:
    device = work.session.get(Device, device_id)
    if device is None or device.account_id != account_id or device.status != "active":
        raise NotFound("No such device.", code="device_not_found", field="device_id")
    return device


def rename(work: Work, account_id: uuid.UUID, device_id: uuid.UUID, name: str) -> Device:
    device = get_owned(work, account_id, device_id)
    before = {"name": device.name}
    device.name = name
    audit(
        work,
        action="device.renamed",
        entity=("device", device.id),
        account_id=account_id,
        subscription_id=device.subscription_id,
        before=before,
        after={"name": name},
    )
    return device


def remove(work: Work, device: Device, reason: str | None = None, *, culled: bool = False) -> None:
    """Release the seat; the device's next check-in answers DEVICE_REMOVED.

    A release by the customer or the app counts toward the transfer limit; a cull does not.
    """
    device.status, device.removed_at = "removed", work.now
    audit(
        work,
        action="device.culled" if culled else RELEASED,
        entity=("device", device.id),
        account_id=device.account_id,
        subscription_id=device.subscription_id,
        before={"status": "active"},
        after={"status": "removed"},
        reason=reason,
    )


def cull_stale(work: Work, limit: int) -> int:
    """Free the seats of devices silent for longer than the configured time; returns how many."""
    cutoff = work.now - timedelta(days=work.settings.stale_device_days)
    stale = work.session.scalars(
        select(Device)
        .where(Device.status == "active", Device.last_seen_at < cutoff)
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
    for device in stale:
        remove(work, device, reason=f"silent since {device.last_seen_at:%Y-%m-%d}", culled=True)
    return len(stale)


def by_token(work: Work, token: str) -> Device | None:
    return work.session.scalars(
        select(Device).where(Device.token_hash == token_digest(token))
    ).first()
