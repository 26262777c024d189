"""Buying again keeps the devices: those still holding seats of an ended subscription of the
account move to the new one, oldest first, as far as its seats go."""

from __future__ import annotations

from sqlalchemy import select

from subdesk.audit.log import record
from subdesk.context import Work
from subdesk.models import Device, Subscription
from subdesk.subscriptions.rules import FINAL


def adopt_devices(work: Work, subscription: Subscription, seats: int) -> int:
    """Move the account's devices of ended subscriptions to `subscription`; returns how many."""
    ended = select(Subscription.id).where(
        Subscription.account_id == subscription.account_id,
        Subscription.status.in_([s.value for s in FINAL]),
    )
    waiting = work.session.scalars(
        select(Device)
        .where(
            Device.account_id == subscription.account_id,
            Device.status == "active",
            Device.subscription_id.in_(ended),
        )
        .order_by(Device.activated_at)
    )
    moved: set[str] = set()
    for device in waiting:
        if len(moved) >= seats or device.fingerprint in moved:
            continue
        before = {"subscription_id": str(device.subscription_id)}
        device.subscription_id = subscription.id
        moved.add(device.fingerprint)
        record(
            work.session,
            actor=work.actor,
            action="device.moved",
            entity=("device", device.id),
            account_id=subscription.account_id,
            subscription_id=subscription.id,
            before=before,
            after={"subscription_id": str(subscription.id)},
            reason="kept when buying again",
            now=work.now,
        )
    return len(moved)
