"""Subscription queries: every read of subscriptions, payments and cancellations lives here."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from subdesk.errors import NotFound
from subdesk.models import Cancellation, Payment, Subscription


def get_owned(
    session: Session, account_id: uuid.UUID, subscription_id: uuid.UUID, *, lock: bool = False
) -> Subscription:
    """The account's subscription; another account's is reported as absent, never forbidden."""
    query = select(Subscription).where(
        Subscription.id == subscription_id, Subscription.account_id == account_id
    )
    if lock:
        query = query.with_for_update()
    subscription = session.scalars(query).first()
    if subscription is None:
        raise NotFound(
            "No such subscription.", code="subscription_not_found", field="subscription_id"
        )
    return subscription


def list_owned(session: Session, account_id: uuid.UUID) -> list[Subscription]:
    query = (
        select(Subscription)
        .where(Subscription.account_id == account_id)
        .order_by(Subscription.created_at)
    )
    return list(session.scalars(query))


def period_payments(session: Session, subscription: Subscription) -> list[Payment]:
    """The payments that paid for the current period, oldest first."""
    query = (
        select(Payment)
        .where(
            Payment.subscription_id == subscription.id,
            Payment.period_number == subscription.period_number,
        )
        .order_by(Payment.captured_at)
    )
    return list(session.scalars(query))


def confirmed_cancellation(session: Session, subscription_id: uuid.UUID) -> Cancellation | None:
    query = (
        select(Cancellation)
        .where(Cancellation.subscription_id == subscription_id, Cancellation.status == "confirmed")
        .order_by(Cancellation.requested_at.desc())
    )
    return session.scalars(query).first()


def addon_cancellations(session: Session, main_cancellation_id: uuid.UUID) -> list[Cancellation]:
    """The cancellations of add-ons that a main subscription's cancellation made."""
    query = (
        select(Cancellation)
        .where(Cancellation.main_cancellation_id == main_cancellation_id)
        .order_by(Cancellation.requested_at, Cancellation.public_id)
    )
    return list(session.scalars(query))


def cancellation_by_public_id(
    session: Session, account_id: uuid.UUID, public_id: str
) -> Cancellation:
    query = select(Cancellation).where(
        Cancellation.public_id == public_id.strip().upper(), Cancellation.account_id == account_id
    )
    cancellation = session.scalars(query).first()
    if cancellation is None:
        raise NotFound(
            "No such cancellation.", code="cancellation_not_found", field="cancellation_id"
        )
    return cancellation
