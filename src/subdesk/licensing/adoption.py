"""Buying again keeps the devices: those still holding seats of an ended subscription of the
account move to the new one, oldest first, as far as its seats go."""

from __future__ import annotations

from sqlalchemy import select

from subdesk.audit.log import audit
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
        audit(
            work,
            action="device.moved",
            entity=("device", device.id),
            account_id=subscription.account_id,
            subscription_id=subscription.id,
            before=before,
            after={"subscription_id": str(subscription.id)},
            reason="kept when buying again",
        )
    return len(moved)


def move_devices(work: Work, source: Subscription, target: Subscription, seats: int) -> int:
    """Move the active devices of `source`, which is ending, to `target` of the same account,
    oldest first, as far as `target`'s free seats go (a fingerprint `target` knows already
    stays); returns how many moved."""
    on_target = list(
        work.session.scalars(select(Device).where(Device.subscription_id == target.id))
    )
    free = seats - sum(1 for d in on_target if d.status == "active")
    known = {d.fingerprint for d in on_target}
    leaving = work.session.scalars(
        select(Device)
        .where(Device.subscription_id == source.id, Device.status == "active")
        .order_by(Device.activated_at)
    )
    moved = 0
    for device in leaving:
        if moved >= free:
            break
        if device.fingerprint in known:
            continue
        device.subscription_id = target.id
        moved += 1
        audit(
            work,
            action="device.moved",
            entity=("device", device.id),
            account_id=target.account_id,
            subscription_id=target.id,
            before={"subscription_id": str(source.id)},
            after={"subscription_id": str(target.id)},
            reason="its subscription was a duplicate purchase",
        )
    return moved
