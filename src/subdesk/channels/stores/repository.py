"""Store queries: every read of store subscriptions, notifications and the plans they map to."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from subdesk.models import Account, Plan, StoreNotification, StoreSubscription, Subscription


def store_subscription(session: Session, store: str, key: str) -> StoreSubscription | None:
    """The store subscription, locked: its notifications are applied one at a time."""
    query = (
        select(StoreSubscription)
        .where(StoreSubscription.store == store, StoreSubscription.store_key == key)
        .with_for_update()
    )
    return session.scalars(query).first()


def seen(session: Session, store: str, notification_id: str) -> bool:
    query = select(StoreNotification.id).where(
        StoreNotification.store == store, StoreNotification.notification_id == notification_id
    )
    return session.scalars(query).first() is not None


def plan_by_code(session: Session, code: str) -> Plan | None:
    return session.scalars(select(Plan).where(Plan.code == code)).first()


def open_account(session: Session, account_id: uuid.UUID) -> Account | None:
    account = session.get(Account, account_id)
    return account if account is not None and account.closed_at is None else None


def locked_subscription(session: Session, subscription_id: uuid.UUID) -> Subscription | None:
    return session.get(Subscription, subscription_id, with_for_update=True)
