"""Retail product keys: sold in boxes, stored only as digests, each redeemed once."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from subdesk.models.base import Base, uuid_pk


class RetailKey(Base):
    __tablename__ = "retail_keys"

    id: Mapped[uuid.UUID] = uuid_pk()
    key_digest: Mapped[str] = mapped_column(String(64), unique=True)
    plan_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("plans.id"))
    batch: Mapped[str] = mapped_column(String(40), index=True)
    created_at: Mapped[datetime]
    redeemed_at: Mapped[datetime | None]
    account_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("accounts.id"))
    subscription_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("subscriptions.id"))
