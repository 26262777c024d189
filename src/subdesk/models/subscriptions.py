"""Subscription tables: the subscription, its consent record and its cancellations."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column

from subdesk.models.base import Base, uuid_pk


class Subscription(Base):
    __tablename__ = "subscriptions"

    id: Mapped[uuid.UUID] = uuid_pk()
    account_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("accounts.id"), index=True)
    plan_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("plans.id"))
    payment_method_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("payment_methods.id"))
    channel: Mapped[str] = mapped_column(String(20), default="direct")
    status: Mapped[str] = mapped_column(String(20), index=True)
    auto_renew: Mapped[bool]
    started_at: Mapped[datetime]
    trial_ends_at: Mapped[datetime | None]
    # Paid periods are counted from the anchor so month-end dates never drift.
    anchor_at: Mapped[datetime]
    period_number: Mapped[int]
    current_period_start: Mapped[datetime]
    current_period_end: Mapped[datetime] = mapped_column(index=True)
    access_ends_at: Mapped[datetime | None]
    canceled_at: Mapped[datetime | None]
    pending_plan_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("plans.id"))
    # An add-on's main subscription: the add-on ends with it and never renews past it.
    main_subscription_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("subscriptions.id"), index=True
    )
    # When the worker must next look at it (renew, retry, end, expire); null when never.
    next_action_at: Mapped[datetime | None] = mapped_column(index=True)
    grace_ends_at: Mapped[datetime | None]
    retries_left: Mapped[int] = mapped_column(default=0, server_default="0")
    failed_attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    # The renewal price the customer agreed to at purchase or was noticed of in time.
    agreed_price_minor: Mapped[int | None]
    # When the worker must next look at its reminders and notices; null when never.
    next_notice_at: Mapped[datetime | None] = mapped_column(index=True)
    # Bought beside another of the same product on purpose (for another person): no duplicate.
    second_purchase_confirmed: Mapped[bool] = mapped_column(default=False, server_default=false())
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class Consent(Base):
    """Proof of the auto-renewal consent: what was shown, when, from where. Never deleted."""

    __tablename__ = "consents"

    id: Mapped[uuid.UUID] = uuid_pk()
    subscription_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("subscriptions.id"), index=True)
    account_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("accounts.id"), index=True)
    disclosure_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("disclosures.id"))
    disclosure_version: Mapped[int]
    given_at: Mapped[datetime]
    ip_address: Mapped[str | None] = mapped_column(String(45))
    user_agent: Mapped[str | None] = mapped_column(String(400))


class Cancellation(Base):
    __tablename__ = "cancellations"

    id: Mapped[uuid.UUID] = uuid_pk()
    public_id: Mapped[str] = mapped_column(String(20), unique=True)
    subscription_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("subscriptions.id"), index=True)
    account_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("accounts.id"), index=True)
    mode: Mapped[str] = mapped_column(String(12))  # "now" | "period_end"
    status: Mapped[str] = mapped_column(String(12))  # "confirmed" | "revoked"
    requested_at: Mapped[datetime] = mapped_column(index=True)  # the dashboards' per day
    effective_at: Mapped[datetime]
    refund_minor: Mapped[int]
    currency: Mapped[str] = mapped_column(String(3))
    reason: Mapped[str | None] = mapped_column(Text)
    refund_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("refunds.id"))
    # An add-on's cancellation made by its main subscription's: the main one's id.
    main_cancellation_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("cancellations.id"), index=True
    )
    receipt: Mapped[dict[str, Any]] = mapped_column(JSON)
