"""App-store tables: each store subscription as the store last told us, and every notification."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from subdesk.models.base import Base, uuid_pk


class StoreSubscription(Base):
    """One subscription at Apple (by original transaction id) or Google (by purchase token).

    The store's view is kept field by field with the event time that set it, so a
    notification that arrives late never overwrites what a newer one said.
    """

    __tablename__ = "store_subscriptions"
    __table_args__ = (UniqueConstraint("store", "store_key"),)

    id: Mapped[uuid.UUID] = uuid_pk()
    store: Mapped[str] = mapped_column(String(10))  # "apple" | "google"
    store_key: Mapped[str] = mapped_column(String(512))
    product_id: Mapped[str | None] = mapped_column(String(200))
    account_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("accounts.id"), index=True)
    subscription_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("subscriptions.id"), index=True
    )
    phase: Mapped[str | None] = mapped_column(String(12))
    phase_at: Mapped[datetime | None]
    expires_at: Mapped[datetime | None]
    grace_until: Mapped[datetime | None]
    auto_renew: Mapped[bool | None]
    auto_renew_at: Mapped[datetime | None]
    last_event_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class StoreNotification(Base):
    """A notification received once: a repeat of its id is acknowledged and changes nothing."""

    __tablename__ = "store_notifications"
    __table_args__ = (UniqueConstraint("store", "notification_id"),)

    id: Mapped[uuid.UUID] = uuid_pk()
    store: Mapped[str] = mapped_column(String(10))
    notification_id: Mapped[str] = mapped_column(String(200))
    store_subscription_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("store_subscriptions.id"), index=True
    )
    kind: Mapped[str] = mapped_column(String(60))
    event_at: Mapped[datetime]
    received_at: Mapped[datetime]
    # applied | stale | unlinked | ignored
    outcome: Mapped[str] = mapped_column(String(12))
